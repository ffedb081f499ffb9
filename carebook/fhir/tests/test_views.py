import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory
from carebook.api.tests.conftest import book, local_start
from carebook.booking.models import Appointment
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.tests.factories import PractitionerFactory, ServiceFactory, SpecialtyFactory
from carebook.core.models import IdempotencyRecord
from carebook.fhir.tests.conftest import entries, failure, fhir
from carebook.scheduling.selectors import DEFAULT_RULES

pytestmark = pytest.mark.django_db
FHIR = "application/fhir+json"
S = Appointment.Status


def post(client, path, body, **extra):
    return client.post(f"/fhir/R4/{path}", json.dumps(body), content_type=FHIR, **extra)


def put(client, path, body):
    return client.put(f"/fhir/R4/{path}", json.dumps(body), content_type=FHIR)


def parameters(**values):
    params = []
    for name, value in values.items():
        name = name.replace("_", "-")
        if isinstance(value, dict):
            params.append({"name": name, "resource": value})
        else:
            params.append({"name": name, "valueReference": {"reference": value}})
    return {"resourceType": "Parameters", "parameter": params}


def schedule(cal) -> str:
    return f"{cal.practitioner.pk}-{cal.location.pk}"


def stamp(dt) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def slot_id(cal, start) -> str:
    return f"{schedule(cal)}-{cal.service.pk}-{stamp(start)}"


def test_capability_statement_lists_what_we_serve():
    body = fhir(Client().get("/fhir/R4/metadata"))
    assert body["fhirVersion"] == "4.0.1"
    assert "application/fhir+json" in body["format"]
    served = {r["type"]: r for r in body["rest"][0]["resource"]}
    assert set(served) == {
        "Practitioner", "PractitionerRole", "Location", "Patient", "Schedule", "Slot",
        "Appointment",
    }  # fmt: skip
    appointment = served["Appointment"]
    assert {i["code"] for i in appointment["interaction"]} == {
        "read", "search-type", "create", "update",
    }  # fmt: skip
    assert {o["name"] for o in appointment["operation"]} == {"find", "hold", "book"}


def test_practitioner_read_and_search_by_name_and_specialty(world):
    cardio = SpecialtyFactory(name="Cardiology", slug="cardiology")
    cal = bookable_calendar(practitioner=PractitionerFactory(user__full_name="Meera Iyer"))
    cal.practitioner.specialties.add(cardio)
    client = Client()
    one = fhir(client.get(f"/fhir/R4/Practitioner/{cal.practitioner.pk}"))
    assert one["name"][0]["text"] == "Dr. Meera Iyer"
    assert fhir(client.get("/fhir/R4/Practitioner/9999"), 404)["issue"][0]["code"] == "not-found"
    found = fhir(client.get("/fhir/R4/Practitioner", {"name": "meera"}))
    assert [r["id"] for r in entries(found)] == [str(cal.practitioner.pk)]
    for token in ("cardiology", "urn:carebook:specialty|cardiology"):
        bundle = fhir(client.get("/fhir/R4/Practitioner", {"specialty": token}))
        assert bundle["total"] == 1
    assert (
        fhir(client.get("/fhir/R4/Practitioner", {"specialty": "other|cardiology"}))["total"] == 0
    )


def test_practitioner_role_and_location(world):
    client = Client()
    role = fhir(client.get(f"/fhir/R4/PractitionerRole/{world.cal.practitioner.pk}"))
    assert role["practitioner"]["reference"] == f"Practitioner/{world.cal.practitioner.pk}"
    assert role["location"] == [
        {"reference": f"Location/{world.cal.location.pk}", "display": world.cal.location.name}
    ]
    by_location = fhir(
        client.get(
            "/fhir/R4/PractitionerRole", {"location": f"Location/{world.other_cal.location.pk}"}
        )
    )
    assert [r["id"] for r in entries(by_location)] == [str(world.other_cal.practitioner.pk)]
    location = fhir(client.get(f"/fhir/R4/Location/{world.cal.location.pk}"))
    assert location["status"] == "active"
    assert location["extension"][0]["valueCode"] == "Asia/Kolkata"
    assert fhir(client.get("/fhir/R4/Location", {"address-city": "beng"}))["total"] == 2


def test_schedules_one_per_practitioner_and_location(world):
    client = Client()
    everyone = fhir(client.get("/fhir/R4/Schedule"))
    assert {r["id"] for r in entries(everyone)} == {schedule(world.cal), schedule(world.other_cal)}
    mine = fhir(
        client.get("/fhir/R4/Schedule", {"actor": f"Practitioner/{world.cal.practitioner.pk}"})
    )
    assert [r["id"] for r in entries(mine)] == [schedule(world.cal)]
    read = fhir(client.get(f"/fhir/R4/Schedule/{schedule(world.cal)}"))
    assert [a["reference"] for a in read["actor"]] == [
        f"Practitioner/{world.cal.practitioner.pk}",
        f"Location/{world.cal.location.pk}",
    ]
    assert fhir(client.get(f"/fhir/R4/Schedule/{world.cal.practitioner.pk}-999"), 404)


def test_slot_search_offers_free_slots_from_the_engine_and_busy_ones_from_bookings(world):
    day_start = local_start(3, 9)
    book(world.cal, world.patient, day_start, reason="private")
    client = Client()
    params = {
        "schedule": f"Schedule/{schedule(world.cal)}",
        "start": [f"ge{day_start.date()}", f"lt{day_start.date() + timedelta(days=1)}"],
        "_count": "100",
    }
    bundle = fhir(client.get("/fhir/R4/Slot", params))
    slots = entries(bundle)
    assert bundle["total"] == 16 == len(slots)
    assert slots[0]["status"] == "busy" and slots[0]["id"] == slot_id(world.cal, day_start)
    assert {s["status"] for s in slots[1:]} == {"free"}
    assert slots[1]["start"] == (day_start + timedelta(minutes=30)).isoformat()
    assert "private" not in json.dumps(bundle) and world.patient.full_name not in json.dumps(bundle)

    again = fhir(client.get("/fhir/R4/Slot", params))
    assert [s["id"] for s in entries(again)] == [s["id"] for s in slots]  # ids are stable

    free_only = fhir(client.get("/fhir/R4/Slot", {**params, "status": "free"}))
    assert free_only["total"] == 15
    busy_only = fhir(client.get("/fhir/R4/Slot", {**params, "status": "busy"}))
    assert busy_only["total"] == 1


def test_slot_search_pages_with_links(world):
    client = Client()
    day = local_start(3).date()
    params = {
        "schedule": schedule(world.cal),
        "start": [f"ge{day}", f"lt{day + timedelta(days=1)}"],
    }
    first = fhir(client.get("/fhir/R4/Slot", {**params, "_count": "5"}))
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert set(links) == {"self", "first", "next", "last"}
    assert first["total"] == 16 and len(first["entry"]) == 5
    second = fhir(client.get(links["next"]))
    assert {link["relation"] for link in second["link"]} >= {"previous", "next"}
    assert entries(second)[0]["id"] != entries(first)[0]["id"]
    last = fhir(client.get(links["last"]))
    assert len(last["entry"]) == 1


def test_slot_search_for_another_service(world):
    hour = ServiceFactory(practitioner=world.cal.practitioner, duration_minutes=60, name="Long")
    day = local_start(3).date()
    bundle = fhir(
        Client().get(
            "/fhir/R4/Slot",
            {
                "schedule": schedule(world.cal),
                "service-type": f"urn:carebook:service|{hour.pk}",
                "start": [f"ge{day}", f"lt{day + timedelta(days=1)}"],
            },
        )
    )
    assert bundle["total"] == 8
    assert entries(bundle)[0]["serviceType"][0]["coding"][0]["code"] == str(hour.pk)


@pytest.mark.parametrize(
    "params,code",
    [
        ({}, "too-costly"),
        ({"schedule": "Schedule/x"}, "invalid"),
        ({"schedule": "1-1", "start": "ge2026-13-45"}, "invalid"),
        ({"schedule": "1-1", "start": "sa2026-03-01"}, "not-supported"),
        ({"schedule": "1-1", "start": ["ge2026-01-01", "lt2026-06-01"]}, "too-costly"),
        ({"schedule": "1-1", "_count": "1000"}, "invalid"),
        ({"schedule": "1-1", "_page": "zero"}, "invalid"),
    ],
)
def test_bad_slot_searches_are_400_outcomes(world, params, code):
    body = fhir(Client().get("/fhir/R4/Slot", params), 400)
    assert body["issue"][0]["code"] == code


def test_slot_read_free_busy_and_gone(world):
    client = Client()
    start = local_start(3, 10)
    free = fhir(client.get(f"/fhir/R4/Slot/{slot_id(world.cal, start)}"))
    assert free["status"] == "free"
    assert free["schedule"]["reference"] == f"Schedule/{schedule(world.cal)}"
    book(world.cal, world.patient, start)
    assert fhir(client.get(f"/fhir/R4/Slot/{slot_id(world.cal, start)}"))["status"] == "busy"
    off_grid = start + timedelta(minutes=7)
    fhir(client.get(f"/fhir/R4/Slot/{slot_id(world.cal, off_grid)}"), 404)
    fhir(client.get("/fhir/R4/Slot/not-an-id"), 404)


def test_create_from_a_slot_reference_books_proposed_or_booked(world):
    start = local_start(3, 10)
    created = post(
        world.client("patient"),
        "Appointment",
        {
            "resourceType": "Appointment",
            "status": "proposed",
            "slot": [{"reference": f"Slot/{slot_id(world.cal, start)}"}],
            "reasonCode": [{"text": "Cough"}],
            "participant": [
                {"actor": {"reference": f"Patient/{world.patient.pk}"}, "status": "accepted"}
            ],
        },
    )
    body = fhir(created, 201)
    assert created["Location"].endswith(f"/fhir/R4/Appointment/{body['id']}")
    assert body["status"] == "booked"  # requested: the practitioner has yet to answer
    assert body["participant"][1]["status"] == "needs-action"
    assert body["start"] == start.isoformat() and body["minutesDuration"] == 30
    appointment = Appointment.objects.get(pk=body["id"])
    assert (appointment.patient, appointment.reason) == (world.patient, "Cough")

    auto = bookable_calendar(auto_confirm=True)
    confirmed = post(
        world.client("patient"),
        "Appointment",
        {
            "resourceType": "Appointment",
            "status": "booked",
            "slot": [{"reference": f"Slot/{slot_id(auto, local_start(3, 11))}"}],
            "participant": [{"actor": {"reference": "Patient/me"}, "status": "accepted"}],
        },
    )
    assert fhir(confirmed, 201)["status"] == "booked"


def test_create_from_start_and_participants(world):
    start = local_start(3, 12)
    body = fhir(
        post(
            world.client("staff"),
            "Appointment",
            {
                "resourceType": "Appointment",
                "status": "proposed",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
                "appointmentType": {"coding": [{"code": "video"}]},
                "participant": [
                    {"actor": {"reference": f"Patient/{world.patient.pk}"}, "status": "accepted"},
                    {
                        "actor": {"reference": f"Practitioner/{world.cal.practitioner.pk}"},
                        "status": "needs-action",
                    },
                    {
                        "actor": {"reference": f"Location/{world.cal.location.pk}"},
                        "status": "accepted",
                    },
                ],
            },
        ),
        201,
    )
    appointment = Appointment.objects.get(pk=body["id"])
    assert appointment.patient == world.patient and appointment.mode == "video"
    assert appointment.booked_by == world.staff


@pytest.mark.parametrize(
    "change,status",
    [
        ({"start": "2026-03-03T09:00:00"}, 400),  # an instant needs its offset
        ({"participant": "nobody"}, 400),
        ({"resourceType": "Patient"}, 400),
        ({"slot": [{"reference": "Slot/nonsense"}]}, 422),
        ({"participant": [{"actor": {"reference": "Patient/1"}, "status": "accepted"}]}, 422),
        ({"minutesDuration": 45}, 422),
        ({"appointmentType": {"coding": [{"code": "teleport"}]}}, 422),
    ],
)
def test_bad_creates_are_outcomes(world, change, status):
    start = local_start(3, 12)
    resource = {
        "resourceType": "Appointment",
        "status": "proposed",
        "start": start.isoformat(),
        "participant": [
            {
                "actor": {"reference": f"Practitioner/{world.cal.practitioner.pk}"},
                "status": "needs-action",
            }
        ],
        **change,
    }
    body = fhir(post(world.client("patient"), "Appointment", resource), status)
    assert body["issue"][0]["diagnostics"]
    assert not Appointment.objects.exists()


def test_create_on_a_taken_slot_is_409(world):
    start = local_start(3, 10)
    book(world.cal, world.other_patient, start)
    body = fhir(
        post(
            world.client("patient"),
            "Appointment",
            {
                "resourceType": "Appointment",
                "status": "proposed",
                "slot": [{"reference": f"Slot/{slot_id(world.cal, start)}"}],
                "participant": [{"actor": {"reference": "Patient/x"}, "status": "accepted"}],
            },
        ),
        409,
    )
    assert body["issue"][0]["code"] == "conflict"


def test_appointment_search_by_patient_practitioner_date_and_status(world):
    mine = book(world.cal, world.patient, local_start(3, 9))
    later = book(world.other_cal, world.patient, local_start(5, 9))
    book(world.cal, world.other_patient, local_start(3, 10))
    client = world.client("staff")

    def ids(**params):
        return [int(r["id"]) for r in entries(fhir(client.get("/fhir/R4/Appointment", params)))]

    assert ids(patient=f"Patient/{world.patient.pk}") == [mine.pk, later.pk]
    assert ids(
        patient=world.patient.pk, practitioner=f"Practitioner/{world.cal.practitioner.pk}"
    ) == [mine.pk]
    assert ids(patient=world.patient.pk, date=f"ge{local_start(4).date()}") == [later.pk]
    assert ids(patient=world.patient.pk, date=str(local_start(3).date())) == [mine.pk]
    assert ids(patient=world.patient.pk, status="booked") == [mine.pk, later.pk]
    assert ids(patient=world.patient.pk, status="proposed") == []
    # A patient asking for someone else's gets nothing, not an error.
    assert [
        r["id"]
        for r in entries(
            fhir(
                world.client("other_patient").get(
                    "/fhir/R4/Appointment", {"patient": world.patient.pk}
                )
            )
        )
    ] == []


def test_update_to_cancelled_cancels_with_the_reason(world):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("patient")
    resource = fhir(client.get(f"/fhir/R4/Appointment/{appointment.pk}"))
    assert "cancelationReason" not in resource
    resource["status"] = "cancelled"
    resource["cancelationReason"] = {"text": "Feeling better"}
    body = fhir(put(client, f"Appointment/{appointment.pk}", resource))
    assert body["status"] == "cancelled"
    assert body["cancelationReason"] == {"text": "Feeling better"}
    appointment.refresh_from_db()
    assert appointment.status == S.CANCELLED
    # The same again changes nothing and is fine.
    assert fhir(put(client, f"Appointment/{appointment.pk}", resource))["status"] == "cancelled"


def test_update_to_another_status_or_id_is_refused(world):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("practitioner")
    resource = fhir(client.get(f"/fhir/R4/Appointment/{appointment.pk}"))
    body = fhir(
        put(client, f"Appointment/{appointment.pk}", {**resource, "status": "fulfilled"}), 409
    )
    assert body["issue"][0]["code"] == "business-rule"  # a request is not yet a visit
    body = fhir(
        put(client, f"Appointment/{appointment.pk}", {**resource, "status": "waitlist"}), 422
    )
    assert body["issue"][0]["code"] == "business-rule"
    fhir(put(client, f"Appointment/{appointment.pk}", {**resource, "id": "999"}), 400)


def test_rejected_appointment_shows_cancelled_with_the_reason(world):
    appointment = book(world.cal, world.patient, local_start(3))
    world.client("practitioner").post(
        f"/api/v1/appointments/{appointment.pk}/reject",
        {"reason": "On leave"},
        content_type="application/json",
    )
    body = fhir(world.client("patient").get(f"/fhir/R4/Appointment/{appointment.pk}"))
    assert body["status"] == "cancelled"
    assert body["cancelationReason"] == {"text": "On leave"}
    assert body["participant"][1]["status"] == "declined"


def test_fulfilled_and_noshow_keep_the_invariants(world, past_confirmed):
    client = world.client("practitioner")
    assert fhir(client.get(f"/fhir/R4/Appointment/{past_confirmed.pk}"))["status"] == "booked"
    client.post(f"/api/v1/appointments/{past_confirmed.pk}/no-show")
    body = fhir(client.get(f"/fhir/R4/Appointment/{past_confirmed.pk}"))
    assert body["status"] == "noshow" and "cancelationReason" not in body


def test_find_hold_book_journey(world):
    client = world.client("patient")
    day = local_start(3).date()
    found = fhir(
        client.post(
            "/fhir/R4/Appointment/$find",
            json.dumps(
                {
                    "resourceType": "Parameters",
                    "parameter": [
                        {"name": "start", "valueDateTime": str(day)},
                        {"name": "end", "valueDateTime": str(day)},
                        {
                            "name": "practitioner",
                            "valueString": f"Practitioner/{world.cal.practitioner.pk}",
                        },
                        {
                            "name": "patient",
                            "valueReference": {"reference": f"Patient/{world.patient.pk}"},
                        },
                    ],
                }
            ),
            content_type=FHIR,
        )
    )
    proposals = entries(found)
    assert found["total"] == 16 and {p["status"] for p in proposals} == {"proposed"}
    choice = proposals[2]
    assert choice["participant"][0]["actor"]["reference"] == f"Patient/{world.patient.pk}"

    held = entries(
        fhir(
            post(
                client,
                "Appointment/$hold",
                parameters(appointment_reference=f"Appointment/{choice['id']}"),
            )
        )
    )[0]
    assert held["status"] == "pending" and held["start"] == choice["start"]
    slot = choice["slot"][0]["reference"]
    assert fhir(Client().get(f"/fhir/R4/{slot}"))["status"] == "busy"
    # Someone else cannot take it meanwhile.
    taken = post(
        world.client("other_patient"),
        "Appointment/$book",
        parameters(appointment_reference=f"Appointment/{choice['id']}"),
    )
    assert failure(taken, 409)["issue"][0]["code"] == "conflict"

    booked = entries(
        fhir(
            post(
                client,
                "Appointment/$book",
                parameters(appointment_reference=f"Appointment/{held['id']}"),
            )
        )
    )[0]
    assert booked["id"] == held["id"] and booked["status"] == "booked"
    assert Appointment.objects.get(pk=held["id"]).status == S.REQUESTED


def test_book_a_proposed_appointment_directly_and_twice_is_409(world):
    client = world.client("patient")
    found = fhir(
        client.get(
            "/fhir/R4/Appointment/$find",
            {
                "practitioner": world.cal.practitioner.pk,
                "start": str(local_start(3).date()),
                "_count": 1,
            },
        )
    )
    proposal = entries(found)[0]
    first = fhir(post(client, "Appointment/$book", parameters(appointment=proposal)))
    assert entries(first)[0]["status"] == "booked"
    again = post(
        world.client("other_patient"), "Appointment/$book", parameters(appointment=proposal)
    )
    assert failure(again, 409)["issue"][0]["code"] == "conflict"


def test_find_by_specialty_and_location(world):
    cardio = SpecialtyFactory(name="Cardiology", slug="cardiology")
    world.other_cal.practitioner.specialties.add(cardio)
    day = str(local_start(3).date())
    found = fhir(
        Client().get(
            "/fhir/R4/Appointment/$find", {"specialty": "cardiology", "start": day, "end": day}
        )
    )
    practitioners = {
        p["actor"]["reference"]
        for r in entries(found)
        for p in r["participant"]
        if "Practitioner/" in p["actor"]["reference"]
    }
    assert practitioners == {f"Practitioner/{world.other_cal.practitioner.pk}"}
    at = fhir(
        Client().get(
            "/fhir/R4/Appointment/$find",
            {"location": f"Location/{world.cal.location.pk}", "start": day, "end": day},
        )
    )
    assert at["total"] == 16


def test_an_expired_hold_frees_the_slot(world, settings):
    client = world.client("patient")
    proposal = entries(
        fhir(
            client.get(
                "/fhir/R4/Appointment/$find",
                {
                    "practitioner": world.cal.practitioner.pk,
                    "start": str(local_start(3).date()),
                    "_count": 1,
                },
            )
        )
    )[0]
    held = entries(fhir(post(client, "Appointment/$hold", parameters(appointment=proposal))))[0]
    Appointment.objects.filter(pk=held["id"]).update(
        held_until=datetime.now(UTC) - timedelta(seconds=1)
    )
    slot = proposal["slot"][0]["reference"]
    assert fhir(Client().get(f"/fhir/R4/{slot}"))["status"] == "free"
    other = post(
        world.client("other_patient"), "Appointment/$book", parameters(appointment=proposal)
    )
    assert entries(fhir(other))[0]["status"] == "booked"
    late = post(
        client, "Appointment/$book", parameters(appointment_reference=f"Appointment/{held['id']}")
    )
    failure(late, 409)


def test_hold_needs_an_appointment_and_auth(world):
    fhir(post(world.client("patient"), "Appointment/$hold", {"resourceType": "Parameters"}), 400)
    fhir(post(Client(), "Appointment/$hold", {"resourceType": "Parameters"}), 401)


def test_fhir_create_honours_idempotency_keys(world):
    client = world.client("patient")
    resource = {
        "resourceType": "Appointment",
        "status": "proposed",
        "slot": [{"reference": f"Slot/{slot_id(world.cal, local_start(3, 10))}"}],
        "participant": [{"actor": {"reference": "Patient/x"}, "status": "accepted"}],
    }
    first = post(client, "Appointment", resource, HTTP_IDEMPOTENCY_KEY="fhir-1")
    again = post(client, "Appointment", resource, HTTP_IDEMPOTENCY_KEY="fhir-1")
    assert fhir(first, 201) == fhir(again, 201)
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Appointment.objects.count() == 1 and IdempotencyRecord.objects.count() == 1
    other = {**resource, "slot": [{"reference": f"Slot/{slot_id(world.cal, local_start(3, 11))}"}]}
    fhir(post(client, "Appointment", other, HTTP_IDEMPOTENCY_KEY="fhir-1"), 422)


def test_errors_are_operation_outcomes(world):
    client = world.client("patient")
    fhir(client.get("/fhir/R4/Nothing"), 404)
    fhir(client.get("/fhir/R4/Appointment/abc"), 404)
    gone = fhir(client.delete("/fhir/R4/Appointment/1"), 405)
    assert gone["issue"][0]["code"] == "not-supported"
    fhir(client.post("/fhir/R4/Appointment", "{oops", content_type=FHIR), 400)
    fhir(client.post("/fhir/R4/Appointment", "[]", content_type=FHIR), 400)
    unauthenticated = Client().get("/fhir/R4/Appointment")
    assert fhir(unauthenticated, 401)["issue"][0]["code"] == "login"
    assert unauthenticated["WWW-Authenticate"].startswith("Bearer")


def test_session_writes_need_csrf_on_fhir_too(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.patient)
    assert client.get("/fhir/R4/Appointment").status_code == 200
    refused = client.post("/fhir/R4/Appointment/$hold", "{}", content_type=FHIR)
    assert failure(refused, 403)["issue"][0]["code"] == "forbidden"


def test_an_unknown_patient_is_403_for_a_patient(world):
    start = local_start(3, 10)
    resource = {
        "resourceType": "Appointment",
        "status": "proposed",
        "slot": [{"reference": f"Slot/{slot_id(world.cal, start)}"}],
        "participant": [{"actor": {"reference": "Patient/987654"}, "status": "accepted"}],
    }
    fhir(post(world.client("patient"), "Appointment", resource), 403)
    fhir(post(world.client("staff"), "Appointment", resource), 422)
    assert PatientFactory  # factories stay importable for the shared fixtures


def test_nul_characters_are_refused_not_crashed_on(world):
    client = world.client("patient")
    fhir(client.get("/fhir/R4/Practitioner", {"name": "a\x00b"}), 400)
    resource = {
        "resourceType": "Appointment",
        "status": "proposed",
        "slot": [{"reference": f"Slot/{slot_id(world.cal, local_start(3, 10))}"}],
        "reasonCode": [{"text": "nul\u0000"}],
        "participant": [{"actor": {"reference": "Patient/x"}, "status": "accepted"}],
    }
    fhir(post(client, "Appointment", resource), 400)
    assert not Appointment.objects.exists()


def test_absurdly_nested_json_is_a_400(world):
    body = "[" * 100_000 + "]" * 100_000
    fhir(world.client("patient").post("/fhir/R4/Appointment", body, content_type=FHIR), 400)
    rest = world.client("patient").post(
        "/api/v1/appointments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert rest.status_code == 400


def test_deep_but_valid_json_is_refused_cleanly(world):
    body = '{"resourceType": "Appointment", "x": ' + "[" * 900 + "]" * 900 + "}"
    response = world.client("patient").post("/fhir/R4/Appointment", body, content_type=FHIR)
    assert response.status_code == 400


def test_create_with_only_a_start_uses_the_sole_location_and_the_default_mode(world):
    # Both decided in booking.lookups, as REST decides them.
    cal = bookable_calendar(duration=45)
    cal.practitioner.offers_in_person = False
    cal.practitioner.save()
    start = local_start(3, 12)
    body = fhir(
        post(
            world.client("patient"),
            "Appointment",
            {
                "resourceType": "Appointment",
                "status": "proposed",
                "start": start.isoformat(),
                "participant": [
                    {
                        "actor": {"reference": f"Practitioner/{cal.practitioner.pk}"},
                        "status": "needs-action",
                    }
                ],
            },
        ),
        201,
    )
    appointment = Appointment.objects.get(pk=body["id"])
    assert (appointment.location, appointment.service) == (cal.location, cal.service)
    assert appointment.mode == "video"


@pytest.mark.parametrize(
    "role,named", [("staff", True), ("patient", True), ("other_patient", False)]
)
def test_find_names_the_patient_only_for_staff_or_the_patient_themself(world, role, named):
    found = fhir(
        world.client(role).get(
            "/fhir/R4/Appointment/$find",
            {
                "practitioner": world.cal.practitioner.pk,
                "patient": f"Patient/{world.patient.pk}",
                "start": str(local_start(3).date()),
                "_count": 1,
            },
        )
    )
    actors = [p["actor"]["reference"] for p in entries(found)[0]["participant"]]
    assert (f"Patient/{world.patient.pk}" in actors) is named


def test_schedule_horizon_is_the_practitioners_booking_rule(world):
    world.cal.practitioner.booking_rules.max_days_ahead = 10
    world.cal.practitioner.booking_rules.save()
    default = PractitionerFactory()
    bookable_calendar(practitioner=default)
    default.booking_rules.delete()
    found = {
        r["id"]: r["planningHorizon"] for r in entries(fhir(Client().get("/fhir/R4/Schedule")))
    }
    mine = found[schedule(world.cal)]
    days = datetime.fromisoformat(mine["end"]) - datetime.fromisoformat(mine["start"])
    assert days == timedelta(days=10)
    theirs = next(h for sid, h in found.items() if sid.startswith(f"{default.pk}-"))
    days = datetime.fromisoformat(theirs["end"]) - datetime.fromisoformat(theirs["start"])
    assert days == timedelta(days=DEFAULT_RULES.max_days_ahead)
