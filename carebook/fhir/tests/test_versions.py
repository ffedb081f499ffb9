"""Versioned Appointments (#15): versionId and ETag, If-Match, and an update that either does
what it asks (through the booking services) or is refused: never 200 and dropped."""

import json
from datetime import UTC, timedelta

import pytest

from carebook.api.tests.conftest import book, local_start
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_hold
from carebook.fhir.tests.conftest import entries, failure, fhir

pytestmark = pytest.mark.django_db
FHIR = "application/fhir+json"
S = Appointment.Status


def put(client, appointment, body, **extra):
    return client.put(
        f"/fhir/R4/Appointment/{appointment.pk}", json.dumps(body), content_type=FHIR, **extra
    )


def read(client, appointment):
    response = client.get(f"/fhir/R4/Appointment/{appointment.pk}")
    return fhir(response), response["ETag"]


def test_an_appointment_carries_its_version_and_etag(world):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("patient")
    resource, etag = read(client, appointment)
    assert resource["meta"]["versionId"] == "1" and etag == 'W/"1"'
    cancelled = put(client, appointment, {**resource, "status": "cancelled"}, HTTP_IF_MATCH=etag)
    assert fhir(cancelled)["meta"]["versionId"] == "2" and cancelled["ETag"] == 'W/"2"'
    assert read(client, appointment)[1] == 'W/"2"'


def test_a_stale_if_match_is_412_and_changes_nothing(world):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("patient")
    resource, _etag = read(client, appointment)
    stale = put(client, appointment, {**resource, "status": "cancelled"}, HTTP_IF_MATCH='W/"999"')
    assert failure(stale, 412)["issue"][0]["code"] == "conflict"
    appointment.refresh_from_db()
    assert (appointment.status, appointment.version) == (S.REQUESTED, 1)
    failure(put(client, appointment, resource, HTTP_IF_MATCH="yesterday"), 400)


def _participants(resource, **changes):
    """The participants of `resource`, the one whose actor is `changes`' kind changed (None:
    left out)."""
    out = []
    for participant in resource["participant"]:
        kind = participant["actor"]["reference"].split("/")[0]
        if kind not in changes:
            out.append(participant)
        elif changes[kind] is not None:
            out.append({**participant, **changes[kind]})
    return {"participant": out}


@pytest.mark.parametrize(
    "change",
    [
        {"reasonCode": [{"text": "Something else"}]},
        {"appointmentType": {"coding": [{"code": "video"}]}},
        {"comment": "Please call first"},
        {"priority": 1},
        {"end": "2030-01-01T10:00:00+05:30"},
        {"participant": [{"actor": {"reference": "Patient/999"}, "status": "accepted"}]},
        {"status": "waitlist"},
        lambda r: {"slot": [{"reference": r["slot"][0]["reference"][:-6] + "120000"}]},
        lambda r: _participants(r, Patient={"status": "declined"}),
        lambda r: _participants(r, Patient={"required": "optional"}),
        lambda r: _participants(r, Location={"status": "tentative"}),
        lambda r: _participants(r, Practitioner={"required": "optional"}),
        lambda r: _participants(r, Patient=None),
        lambda r: _participants(r, Location=None),
        lambda r: {"participant": [*r["participant"], r["participant"][0]]},
    ],
)
def test_an_update_the_server_cannot_make_is_refused(world, change):
    appointment = book(world.cal, world.patient, local_start(3), reason="Cough")
    client = world.client("patient")
    resource, _etag = read(client, appointment)
    change = change(resource) if callable(change) else change
    body = failure(put(client, appointment, {**resource, **change}), 422)
    assert body["issue"][0]["code"] == "business-rule"
    appointment.refresh_from_db()
    assert (appointment.status, appointment.version, appointment.reason) == (
        S.REQUESTED,
        1,
        "Cough",
    )


def test_a_new_start_reschedules_through_the_booking_service(world):
    appointment = book(world.cal, world.patient, local_start(3, 9))
    client = world.client("patient")
    resource, etag = read(client, appointment)
    later = local_start(3, 11)
    moved = put(
        client,
        appointment,
        {
            **resource,
            "start": later.isoformat(),
            "end": (later + timedelta(minutes=30)).isoformat(),
        },
        HTTP_IF_MATCH=etag,
    )
    new = fhir(moved, 201)
    assert moved["Location"].endswith(f"/Appointment/{new['id']}")
    assert new["start"] == later.isoformat() and new["meta"]["versionId"] == "1"
    old = Appointment.objects.get(pk=appointment.pk)
    assert old.status == S.CANCELLED
    assert Appointment.objects.get(pk=new["id"]).rescheduled_from == old
    # A start and a status at once is two changes.
    resource, _etag = read(client, Appointment.objects.get(pk=new["id"]))
    both = {**resource, "start": local_start(3, 12).isoformat(), "status": "cancelled"}
    failure(
        client.put(f"/fhir/R4/Appointment/{new['id']}", json.dumps(both), content_type=FHIR), 422
    )


def test_the_practitioner_answers_a_request_through_their_participation(world):
    first = book(world.cal, world.patient, local_start(3, 9))
    second = book(world.cal, world.patient, local_start(3, 11))
    doctor = world.client("practitioner")
    resource, _etag = read(doctor, first)
    assert resource["status"] == "booked" and resource["participant"][1]["status"] == "needs-action"
    resource["participant"][1]["status"] = "accepted"
    confirmed = fhir(put(doctor, first, resource))
    assert confirmed["participant"][1]["status"] == "accepted"
    assert Appointment.objects.get(pk=first.pk).status == S.CONFIRMED

    resource, _etag = read(doctor, second)
    resource["participant"][1]["status"] = "declined"
    resource["cancelationReason"] = {"text": "On leave"}
    rejected = fhir(put(doctor, second, resource))
    assert rejected["status"] == "cancelled" and rejected["cancelationReason"]["text"] == "On leave"
    assert Appointment.objects.get(pk=second.pk).status == S.REJECTED
    # The patient cannot answer for the practitioner.
    third = book(world.cal, world.patient, local_start(3, 13))
    resource, _etag = read(world.client("patient"), third)
    resource["participant"][1]["status"] = "accepted"
    failure(put(world.client("patient"), third, resource), 403)


def test_a_cancellation_may_show_the_patient_declined(world):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("patient")
    resource, etag = read(client, appointment)
    body = {**resource, "status": "cancelled"}
    body.update(_participants(resource, Patient={"status": "declined"}))
    assert fhir(put(client, appointment, body, HTTP_IF_MATCH=etag))["status"] == "cancelled"
    # Sent again as first read, it asks for nothing more.
    assert fhir(put(client, appointment, {**resource, "status": "cancelled"}))["status"] == (
        "cancelled"
    )


def test_a_move_may_name_the_slot_at_its_new_start(world):
    appointment = book(world.cal, world.patient, local_start(3, 9))
    client = world.client("patient")
    resource, etag = read(client, appointment)
    later = local_start(3, 11)
    stamp = later.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    moved = {
        **resource,
        "start": later.isoformat(),
        "end": (later + timedelta(minutes=30)).isoformat(),
        "slot": [{"reference": resource["slot"][0]["reference"][:-14] + stamp}],
    }
    new = fhir(put(client, appointment, moved, HTTP_IF_MATCH=etag), 201)
    assert new["slot"] == moved["slot"]


@pytest.mark.parametrize("if_match", ["*", '"1"', ' W/"1" '])
def test_any_version_or_a_strong_tag_is_accepted_as_at_the_rest_door(world, if_match):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("patient")
    resource, _etag = read(client, appointment)
    body = put(client, appointment, {**resource, "status": "cancelled"}, HTTP_IF_MATCH=if_match)
    assert fhir(body)["status"] == "cancelled"


@pytest.mark.parametrize("if_match", ["1", 'W/"1', '"1', 'W/"1", W/"2"', 'W/"x"', ""])
def test_a_malformed_if_match_is_400_as_at_the_rest_door(world, if_match):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("patient")
    resource, _etag = read(client, appointment)
    body = put(client, appointment, {**resource, "status": "cancelled"}, HTTP_IF_MATCH=if_match)
    assert "If-Match" in failure(body, 400)["issue"][0]["diagnostics"]
    rest = client.post(f"/api/v1/appointments/{appointment.pk}/cancel", HTTP_IF_MATCH=if_match)
    assert (rest.status_code, rest.json()["code"]) == (400, "malformed_request")
    appointment.refresh_from_db()
    assert appointment.status == S.REQUESTED


def test_a_stale_if_match_is_412_even_when_nothing_is_asked(world):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("patient")
    resource, etag = read(client, appointment)
    assert fhir(put(client, appointment, resource, HTTP_IF_MATCH=etag))["meta"]["versionId"] == "1"
    failure(put(client, appointment, resource, HTTP_IF_MATCH='W/"2"'), 412)


def _held(world):
    return appointment_hold(
        patient=world.patient,
        practitioner=world.cal.practitioner,
        service=world.cal.service,
        location=world.cal.location,
        start=local_start(3, 15),
        mode="in_person",
        by=world.patient,
    )


def test_booking_a_hold_checks_the_version_in_the_booking_service(world):
    held = _held(world)
    client = world.client("patient")
    resource, etag = read(client, held)
    assert resource["status"] == "pending"
    stale = put(client, held, {**resource, "status": "booked"}, HTTP_IF_MATCH='W/"7"')
    assert failure(stale, 412)["issue"][0]["code"] == "conflict"
    assert Appointment.objects.get(pk=held.pk).status == S.HELD
    booked = fhir(put(client, held, {**resource, "status": "booked"}, HTTP_IF_MATCH=etag))
    assert booked["status"] == "booked" and booked["meta"]["versionId"] == "2"


def book_op(client, *params, **extra):
    return client.post(
        "/fhir/R4/Appointment/$book",
        json.dumps({"resourceType": "Parameters", "parameter": list(params)}),
        content_type=FHIR,
        **extra,
    )


def test_book_on_an_existing_appointment_checks_if_match_or_the_version_id(world):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("patient")
    resource, etag = read(client, appointment)
    cancel = {"name": "appointment-resource", "resource": {**resource, "status": "cancelled"}}
    stale = book_op(client, cancel, HTTP_IF_MATCH='W/"5"')
    assert failure(stale, 412)["issue"][0]["code"] == "conflict"
    with_old_id = {**resource, "status": "cancelled", "meta": {"versionId": "5"}}
    stale = book_op(client, {"name": "appointment-resource", "resource": with_old_id})
    failure(stale, 412)
    failure(book_op(client, cancel, HTTP_IF_MATCH="5"), 400)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.version) == (S.REQUESTED, 1)
    [done] = entries(fhir(book_op(client, cancel, HTTP_IF_MATCH=etag)))
    assert done["status"] == "cancelled" and done["meta"]["versionId"] == "2"


def test_book_of_a_hold_by_reference_checks_if_match(world):
    held = _held(world)
    client = world.client("patient")
    reference = {
        "name": "appointment-reference",
        "valueReference": {"reference": f"Appointment/{held.pk}"},
    }
    failure(book_op(client, reference, HTTP_IF_MATCH='W/"2"'), 412)
    assert Appointment.objects.get(pk=held.pk).status == S.HELD
    [booked] = entries(fhir(book_op(client, reference, HTTP_IF_MATCH='W/"1"')))
    assert booked["status"] == "booked"


def test_a_slot_beyond_any_calendar_is_a_clean_400(world, caplog):
    client = world.client("patient")
    far = f"{world.cal.practitioner.pk}-{world.cal.location.pk}-{world.cal.service.pk}-"
    far += "99991231233000"
    failure(client.get(f"/fhir/R4/Slot/{far}"), 400)
    failure(client.get("/fhir/R4/Slot", {"_id": far}), 400)
    new = {
        "resourceType": "Appointment",
        "status": "proposed",
        "slot": [{"reference": f"Slot/{far}"}],
        "participant": [{"actor": {"reference": "Patient/x"}, "status": "accepted"}],
    }
    failure(client.post("/fhir/R4/Appointment", json.dumps(new), content_type=FHIR), 400)
    proposed = {
        "name": "appointment-reference",
        "valueReference": {"reference": f"Appointment/proposed-{far}"},
    }
    failure(book_op(client, proposed), 400)
    assert not [r for r in caplog.records if r.exc_info], caplog.text
