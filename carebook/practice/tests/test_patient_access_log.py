"""The practitioner's patient page shows the profile (age, blood group, phone) and each visit's
reason: clinical reads, logged, and refused once the practitioner's verification is withdrawn."""

from datetime import UTC, datetime, timedelta

import pytest

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.services import appointment_book
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.services import practitioner_unverify
from carebook.core.access_log import AccessLog

pytestmark = pytest.mark.django_db
What = AccessLog.What
NOW = datetime.now(UTC).replace(microsecond=0)


def book(cal, patient, reason):
    start = (NOW + timedelta(days=3)).replace(hour=4, minute=0, second=0)  # 09:30 in Kolkata
    return appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        reason=reason,
        by=patient,
        now=NOW,
    )


def test_patient_page_logs_the_profile_and_the_reasons_it_shows(client):
    cal = bookable_calendar()
    patient = PatientFactory(profile__blood_group="B+")
    visit = book(cal, patient, "Migraine for a week")
    doctor = cal.practitioner.user
    client.force_login(doctor)
    response = client.get(f"/practice/patients/{patient.pk}/")
    assert response.status_code == 200 and "Migraine" in response.content.decode()
    rows = set(AccessLog.objects.values_list("by", "patient", "what", "object_id", "door"))
    assert rows == {
        (doctor.pk, patient.pk, What.PATIENT_PROFILE, patient.patient_profile.pk, "web"),
        (doctor.pk, patient.pk, What.APPOINTMENT_REASON, visit.pk, "web"),
    }


def test_patient_page_is_404_once_verification_is_withdrawn(client):
    cal = bookable_calendar()
    patient = PatientFactory()
    book(cal, patient, "")
    practitioner_unverify(practitioner=cal.practitioner, by=StaffFactory())
    client.force_login(cal.practitioner.user)
    assert client.get(f"/practice/patients/{patient.pk}/").status_code == 404
    assert not AccessLog.objects.exists()
