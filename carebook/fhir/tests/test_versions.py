"""Versioned Appointments (#15): versionId and ETag, If-Match, and an update that either does
what it asks (through the booking services) or is refused: never 200 and dropped."""

import json
from datetime import timedelta

import pytest

from carebook.api.tests.conftest import book, local_start
from carebook.booking.models import Appointment
from carebook.fhir.tests.conftest import failure, fhir

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
    ],
)
def test_an_update_the_server_cannot_make_is_refused(world, change):
    appointment = book(world.cal, world.patient, local_start(3), reason="Cough")
    client = world.client("patient")
    resource, _etag = read(client, appointment)
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
