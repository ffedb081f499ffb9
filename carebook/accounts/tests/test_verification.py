"""Confirming an address before the first booking, at every door; password-reset requests."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client

from carebook.accounts import verification
from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.api.tests.conftest import bearer, local_start
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_book
from carebook.booking.tests.factories import bookable_calendar
from carebook.core.errors import DomainError
from carebook.core.security_log import SecurityEvent
from carebook.core.tests.tasks import run_worker
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db


@pytest.fixture
def unconfirmed():
    return PatientFactory(email_verified_at=None)


def test_accounts_made_by_staff_or_the_system_count_as_confirmed():
    assert PatientFactory().email_verified and StaffFactory().email_verified


# --- the link ------------------------------------------------------------------------------------


def test_the_link_confirms_once_and_expires(client, unconfirmed, settings):
    token = verification.verification_token(user=unconfirmed)
    assert client.get(f"/account/verify/{token}/").status_code == 200
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_verified_at is None  # a GET never writes
    assert client.post(f"/account/verify/{token}/").status_code == 302
    unconfirmed.refresh_from_db()
    first = unconfirmed.email_verified_at
    assert first is not None
    client.post(f"/account/verify/{token}/")
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_verified_at == first
    later = PatientFactory(email_verified_at=None)
    old = verification.verification_token(user=later)
    with time_machine.travel(utcnow() + timedelta(days=8)):
        assert client.post(f"/account/verify/{old}/").status_code == 400


def test_a_link_for_an_address_since_changed_or_forged_is_refused(client, unconfirmed):
    token = verification.verification_token(user=unconfirmed)
    User.objects.filter(pk=unconfirmed.pk).update(email="new@example.test")
    assert client.post(f"/account/verify/{token}/").status_code == 400
    assert client.post("/account/verify/not-a-token/").status_code == 400
    unconfirmed.refresh_from_db()
    assert unconfirmed.email_verified_at is None


def test_a_new_link_can_be_asked_for_a_few_times_an_hour(client, unconfirmed):
    client.force_login(unconfirmed)
    for _ in range(verification.RESEND_PER_USER):
        assert client.post("/account/verify/resend/").status_code == 302
    refused = client.post("/account/verify/resend/")
    assert refused.status_code == 302 and int(refused["Retry-After"]) > 0
    run_worker()
    assert len(mail.outbox) == verification.RESEND_PER_USER
    assert client.get("/account/verify/resend/").status_code == 405


# --- booking, at every door ----------------------------------------------------------------------


def book(cal, patient, by, start):
    return appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        by=by,
    )


def test_service_refuses_an_unconfirmed_patient_booking_for_themself(unconfirmed):
    cal = bookable_calendar()
    with pytest.raises(verification.EmailNotVerified):
        book(cal, unconfirmed, unconfirmed, local_start(3, 10))
    assert not Appointment.objects.exists()


def test_staff_book_for_an_unconfirmed_patient(unconfirmed):
    cal = bookable_calendar()
    appointment = book(cal, unconfirmed, StaffFactory(), local_start(3, 10))
    assert appointment.patient == unconfirmed


def test_confirmed_patient_books(unconfirmed):
    cal = bookable_calendar()
    User.objects.filter(pk=unconfirmed.pk).update(email_verified_at=utcnow())
    unconfirmed.refresh_from_db()
    assert book(cal, unconfirmed, unconfirmed, local_start(3, 10)).patient == unconfirmed


def test_web_door_refuses_with_the_reason(client, unconfirmed):
    cal = bookable_calendar()
    client.force_login(unconfirmed)
    start = local_start(3, 10)
    response = client.post(
        "/book/",
        {
            "practitioner": cal.practitioner.pk,
            "service": cal.service.pk,
            "location": cal.location.pk,
            "start": start.isoformat(),
            "mode": "in_person",
            "reason": "cough",
        },
        follow=True,
    )
    assert "confirm your email address" in response.content.decode()
    assert not Appointment.objects.exists()


def test_rest_door_refuses_with_403_email_not_verified(unconfirmed):
    cal = bookable_calendar()
    response = bearer(unconfirmed).post(
        "/api/v1/appointments",
        {
            "practitioner_id": cal.practitioner.pk,
            "start": local_start(3, 10).isoformat(),
            "service_id": cal.service.pk,
            "location_id": cal.location.pk,
            "mode": "in_person",
        },
        content_type="application/json",
    )
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "email_not_verified"
    assert not Appointment.objects.exists()


def test_fhir_door_refuses_with_an_outcome(unconfirmed):
    cal = bookable_calendar()
    start = local_start(3, 10)
    response = bearer(unconfirmed).post(
        "/fhir/R4/Appointment",
        json.dumps(
            {
                "resourceType": "Appointment",
                "status": "proposed",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
                "participant": [
                    {"actor": {"reference": "Patient/me"}, "status": "accepted"},
                    {
                        "actor": {"reference": f"Practitioner/{cal.practitioner.pk}"},
                        "status": "needs-action",
                    },
                    {"actor": {"reference": f"Location/{cal.location.pk}"}, "status": "accepted"},
                ],
            }
        ),
        content_type="application/fhir+json",
    )
    assert response.status_code == 403, response.content
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "confirm your email address" in response.content.decode()
    assert not Appointment.objects.exists()


def test_the_error_is_a_domain_error_people_can_read():
    assert isinstance(verification.EmailNotVerified(), DomainError)


# --- password reset ------------------------------------------------------------------------------


def test_password_reset_answers_the_same_and_is_logged(client):
    patient = PatientFactory(email="sunita@example.test")
    known = client.post("/account/password-reset/", {"email": "ſunita@example.test"})
    unknown = client.post("/account/password-reset/", {"email": "nobody@example.test"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["sunita@example.test"]]
    events = SecurityEvent.objects.filter(kind="password_reset_requested")
    assert {(e.user_id, e.email) for e in events} == {
        (patient.pk, "sunita@example.test"),
        (None, "nobody@example.test"),
    }


def test_password_reset_requests_are_limited_per_email_and_per_client(client):
    PatientFactory(email="sunita@example.test")
    for _ in range(5):
        response = client.post("/account/password-reset/", {"email": "sunita@example.test"})
        assert response.status_code == 302  # the same answer, limited or not
    assert len(mail.outbox) == 3
    assert SecurityEvent.objects.filter(kind="throttled", detail="password reset").count() == 2
    other = Client(REMOTE_ADDR="198.51.100.9")
    for i in range(12):
        other.post("/account/password-reset/", {"email": f"n{i}@example.test"})
    assert SecurityEvent.objects.filter(kind="throttled", ip="198.51.100.9").count() == 2
