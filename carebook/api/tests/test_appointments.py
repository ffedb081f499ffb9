from datetime import time, timedelta

import pytest
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory
from carebook.api.tests.conftest import bearer, book, local_start
from carebook.booking.availability import slots_free
from carebook.booking.models import Appointment
from carebook.booking.tests.factories import bookable_calendar
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db
S = Appointment.Status


def payload(cal, start, **extra):
    return {
        "practitioner_id": cal.practitioner.pk,
        "start": start.isoformat(),
        "service_id": cal.service.pk,
        "location_id": cal.location.pk,
        "mode": "in_person",
        "reason": "Fever for three days",
        **extra,
    }


def post(client, url, data=None):
    return client.post(url, data, content_type="application/json")


def test_patient_books_a_free_slot_and_gets_201(world):
    start = local_start(3, 10)
    response = post(world.client("patient"), "/api/v1/appointments", payload(world.cal, start))
    assert response.status_code == 201, response.content
    body = response.json()
    appointment = Appointment.objects.get(pk=body["id"])
    assert appointment.patient == world.patient and appointment.status == S.REQUESTED
    assert body["status"] == "requested"
    assert body["start"] == start.isoformat()
    assert body["patient"] == {"id": world.patient.pk, "name": world.patient.full_name}
    assert body["practitioner"]["id"] == world.cal.practitioner.pk
    assert body["reason"] == "Fever for three days"
    assert body["allowed_actions"] == ["cancel"]
    assert body["price"] == "500.00"


def test_auto_confirming_practitioner_books_confirmed(world):
    cal = bookable_calendar(auto_confirm=True)
    response = post(world.client("patient"), "/api/v1/appointments", payload(cal, local_start(3)))
    assert response.json()["status"] == "confirmed"


@pytest.mark.parametrize(
    "in_person,video,mode", [(True, True, "in_person"), (False, True, "video")]
)
def test_mode_left_out_is_in_person_if_offered_else_video(world, in_person, video, mode):
    # The same default as FHIR's (booking.lookups.booking_mode).
    cal = bookable_calendar()
    cal.practitioner.offers_in_person, cal.practitioner.offers_video = in_person, video
    cal.practitioner.save()
    data = payload(cal, local_start(3, 10))
    del data["mode"]
    response = post(world.client("patient"), "/api/v1/appointments", data)
    assert response.status_code == 201, response.content
    assert response.json()["mode"] == mode


def test_taken_slot_is_409_with_a_reason(world):
    start = local_start(3, 11)
    book(world.cal, world.other_patient, start)
    response = post(world.client("patient"), "/api/v1/appointments", payload(world.cal, start))
    assert response.status_code == 409
    assert response.json() == {
        "detail": "That time is no longer available. Please pick another slot.",
        "code": "slot_unavailable",
    }


def test_a_time_the_engine_does_not_offer_is_409(world):
    off_grid = local_start(3, 10, 10)
    response = post(world.client("patient"), "/api/v1/appointments", payload(world.cal, off_grid))
    assert response.status_code == 409


@pytest.mark.parametrize(
    "change,field",
    [
        ({"start": "2026-03-03T09:00:00"}, "start"),  # naive
        ({"start": "tomorrow"}, "start"),
        ({"start": "9999-12-31T23:59:59-23:59"}, "start"),
        ({"mode": "carrier-pigeon"}, "mode"),
        ({"reason": "x" * 2001}, "reason"),
        ({"practitioner_id": 0}, "practitioner_id"),
        ({"service_id": "one"}, "service_id"),
        ({"location_id": 2**64}, "location_id"),
        ({"reason": "nul\x00"}, "reason"),
    ],
)
def test_invalid_input_is_422_with_field_errors(world, change, field):
    data = payload(world.cal, local_start(3)) | change
    response = post(world.client("patient"), "/api/v1/appointments", data)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["detail"]
    assert [e["loc"][-1] for e in body["errors"]] == [field]


def test_missing_fields_are_each_named(world):
    response = post(world.client("patient"), "/api/v1/appointments", {"reason": "hi"})
    assert response.status_code == 422
    named = {e["loc"][-1] for e in response.json()["errors"]}
    assert named == {"practitioner_id", "start", "service_id", "location_id"}


@pytest.mark.parametrize(
    "change",
    [{"practitioner_id": 999999}, {"service_id": 999999}, {"location_id": 999999}],
)
def test_unknown_references_are_422_invalid_input(world, change):
    data = payload(world.cal, local_start(3)) | change
    response = post(world.client("patient"), "/api/v1/appointments", data)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_service_of_another_practitioner_is_422(world):
    data = payload(world.cal, local_start(3), service_id=world.other_cal.service.pk)
    response = post(world.client("patient"), "/api/v1/appointments", data)
    assert response.status_code == 422


def test_staff_books_for_a_patient_and_others_cannot(world):
    data = payload(world.cal, local_start(3), patient_id=world.patient.pk)
    assert post(world.client("other_patient"), "/api/v1/appointments", data).status_code == 403
    assert post(world.client("practitioner"), "/api/v1/appointments", data).status_code == 403
    response = post(world.client("staff"), "/api/v1/appointments", data)
    assert response.status_code == 201
    assert response.json()["patient"]["id"] == world.patient.pk
    nobody = data | {"patient_id": 987654, "start": local_start(3, 12).isoformat()}
    assert post(world.client("staff"), "/api/v1/appointments", nobody).status_code == 422
    assert post(world.client("patient"), "/api/v1/appointments", nobody).status_code == 403
    no_patient = payload(world.cal, local_start(3, 13))
    assert post(world.client("staff"), "/api/v1/appointments", no_patient).status_code == 422


def test_list_shows_each_role_its_own(world):
    mine = book(world.cal, world.patient, local_start(3))
    theirs = book(world.other_cal, world.other_patient, local_start(3))

    def ids(role, **params):
        response = world.client(role).get("/api/v1/appointments", params)
        assert response.status_code == 200
        return [a["id"] for a in response.json()["results"]]

    assert ids("patient") == [mine.pk]
    assert ids("other_patient") == [theirs.pk]
    assert ids("practitioner") == [mine.pk]
    assert ids("other_practitioner") == [theirs.pk]
    assert sorted(ids("staff")) == sorted([mine.pk, theirs.pk])
    assert ids("staff", practitioner_id=world.cal.practitioner.pk) == [mine.pk]
    assert ids("staff", status="confirmed") == []
    later = (local_start(3) + timedelta(hours=1)).isoformat()
    assert ids("staff", start=later) == []


def test_list_pages(world):
    for hour in (9, 10, 11):
        book(world.cal, world.patient, local_start(3, hour))
    body = world.client("patient").get("/api/v1/appointments", {"per_page": 2, "page": 2}).json()
    assert (body["count"], body["pages"], body["page"], len(body["results"])) == (3, 2, 2, 1)


def test_detail(world):
    appointment = book(world.cal, world.patient, local_start(3), reason="Back pain")
    body = world.client("practitioner").get(f"/api/v1/appointments/{appointment.pk}").json()
    assert body["reason"] == "Back pain"
    assert body["allowed_actions"] == ["confirm", "reject", "cancel"]
    assert world.client("patient").get("/api/v1/appointments/999999").status_code == 404


def test_patient_cancels_before_the_cutoff(world):
    appointment = book(world.cal, world.patient, local_start(3))
    response = post(
        world.client("patient"),
        f"/api/v1/appointments/{appointment.pk}/cancel",
        {"reason": "Travelling"},
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert appointment.history.last().reason == "Travelling"


def test_cancel_without_a_body_works(world):
    appointment = book(world.cal, world.patient, local_start(3))
    response = world.client("patient").generic(
        "POST", f"/api/v1/appointments/{appointment.pk}/cancel"
    )
    assert response.status_code == 200


def test_patient_cannot_cancel_after_the_cutoff_409(world):
    cal = bookable_calendar(start=time(0), end=time(23, 59))  # open round the clock
    # The first slot two hours from now (at 23:30 local a 30-minute visit no longer fits the
    # day, so the grid alone is not enough): well inside the 24-hour cut-off.
    now = utcnow()
    today = now.astimezone(cal.location.tz).date()
    offered = slots_free(
        practitioner=cal.practitioner,
        service=cal.service,
        start_date=today,
        end_date=today + timedelta(days=1),
        now=now,
    )
    soon = next(s.start for s in offered if s.start >= now + timedelta(hours=2))
    appointment = book(cal, world.patient, soon)
    response = post(world.client("patient"), f"/api/v1/appointments/{appointment.pk}/cancel")
    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert "24 hours" in response.json()["detail"]
    staff = post(world.client("staff"), f"/api/v1/appointments/{appointment.pk}/cancel")
    assert staff.status_code == 200


def test_practitioner_confirms_then_cannot_confirm_again(world):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("practitioner")
    url = f"/api/v1/appointments/{appointment.pk}/confirm"
    assert post(client, url).json()["status"] == "confirmed"
    again = post(client, url)
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"


def test_patient_cannot_confirm_their_own_request_403(world):
    appointment = book(world.cal, world.patient, local_start(3))
    response = post(world.client("patient"), f"/api/v1/appointments/{appointment.pk}/confirm")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_reject_needs_a_reason(world):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("practitioner")
    url = f"/api/v1/appointments/{appointment.pk}/reject"
    assert post(client, url, {}).status_code == 422
    assert post(client, url, {"reason": "   "}).status_code == 422
    response = post(client, url, {"reason": "Not my specialty"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"


@pytest.mark.parametrize("action,status", [("complete", "completed"), ("no-show", "no_show")])
def test_practitioner_records_a_visit_that_started(world, past_confirmed, action, status):
    url = f"/api/v1/appointments/{past_confirmed.pk}/{action}"
    response = post(world.client("practitioner"), url)
    assert response.status_code == 200 and response.json()["status"] == status


def test_completing_before_the_start_is_409(world):
    appointment = book(world.cal, world.patient, local_start(3))
    post(world.client("practitioner"), f"/api/v1/appointments/{appointment.pk}/confirm")
    url = f"/api/v1/appointments/{appointment.pk}/complete"
    assert post(world.client("practitioner"), url).status_code == 409


def test_reschedule_moves_and_links(world):
    appointment = book(world.cal, world.patient, local_start(3, 9))
    new_start = local_start(4, 15)
    response = post(
        world.client("patient"),
        f"/api/v1/appointments/{appointment.pk}/reschedule",
        {"start": new_start.isoformat(), "reason": "Clash"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rescheduled_from_id"] == appointment.pk
    assert body["start"] == new_start.isoformat()
    appointment.refresh_from_db()
    assert appointment.status == S.CANCELLED


def test_reschedule_into_a_taken_slot_is_409_and_keeps_the_old(world):
    appointment = book(world.cal, world.patient, local_start(3, 9))
    taken = local_start(3, 10)
    book(world.cal, PatientFactory(), taken)
    response = post(
        world.client("patient"),
        f"/api/v1/appointments/{appointment.pk}/reschedule",
        {"start": taken.isoformat()},
    )
    assert response.status_code == 409
    appointment.refresh_from_db()
    assert appointment.status == S.REQUESTED


def test_errors_are_json_never_html(world):
    client = world.client("patient")
    cases = [
        client.post("/api/v1/appointments", "{not json", content_type="application/json"),
        client.get("/api/v1/no-such-thing"),
        client.get("/api/v1/appointments/abc"),
        client.post("/api/v1/appointments", "[1, 2]", content_type="application/json"),
        Client().get("/api/v1/appointments"),
    ]
    for response in cases:
        assert response["Content-Type"].startswith("application/json"), response.content
        body = response.json()
        assert set(body) >= {"detail", "code"}, body
        assert response.status_code in (400, 401, 404, 422)


def test_an_unexpected_error_is_a_json_500(world, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("carebook.booking.api.appointment_book", explode)
    response = post(
        world.client("patient"), "/api/v1/appointments", payload(world.cal, local_start(3))
    )
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Something went wrong on our side.",
        "code": "server_error",
    }


def test_session_login_can_book(world):
    client = Client()
    client.force_login(world.patient)
    response = post(client, "/api/v1/appointments", payload(world.cal, local_start(3)))
    assert response.status_code == 201
    assert bearer(world.patient)  # tokens and sessions coexist


def test_a_wrong_method_is_a_json_405(world):
    response = world.client("patient").patch("/api/v1/appointments")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"] and "POST" in response["Allow"]
