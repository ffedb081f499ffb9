from decimal import Decimal

import pytest

from carebook.accounts.models import User
from carebook.accounts.tests.factories import StaffFactory
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.services import practitioner_unverify
from carebook.core.access_log import AccessLog
from carebook.records import selectors, services
from carebook.records.tests.factories import prescription, visit

pytestmark = pytest.mark.django_db


def test_rating_fields_follow_reviews_created_hidden_and_unhidden():
    first = visit()
    second = visit()
    r1 = services.review_create(appointment=first, by=first.patient, rating=2)
    services.review_create(appointment=second, by=second.patient, rating=5)
    p1, p2 = first.practitioner, second.practitioner
    p1.refresh_from_db()
    p2.refresh_from_db()
    assert (p1.rating_average, p1.rating_count) == (Decimal("2.00"), 1)
    assert (p2.rating_average, p2.rating_count) == (Decimal("5.00"), 1)
    staff = StaffFactory()
    services.review_hide(review=r1, by=staff)
    p1.refresh_from_db()
    assert (p1.rating_average, p1.rating_count) == (None, 0)
    services.review_unhide(review=r1, by=staff)
    p1.refresh_from_db()
    assert (p1.rating_average, p1.rating_count) == (Decimal("2.00"), 1)


def test_rating_average_is_rounded_to_two_places():
    cal = bookable_calendar()
    for rating in (5, 4, 4):
        done = visit(cal=cal)
        services.review_create(appointment=done, by=done.patient, rating=rating)
    cal.practitioner.refresh_from_db()
    assert (cal.practitioner.rating_average, cal.practitioner.rating_count) == (
        Decimal("4.33"),
        3,
    )


# --- Good standing: verification withdrawn or account not active --------------------------


def _withdraw(practitioner):
    practitioner_unverify(practitioner=practitioner, by=StaffFactory())


def test_a_practitioner_whose_verification_is_withdrawn_reads_nothing_clinical():
    done = visit()
    rx = prescription(done)
    doctor, patient = done.practitioner.user, done.patient
    assert selectors.medical_record_get_for(user=doctor, patient=patient) is not None

    _withdraw(done.practitioner)
    before = AccessLog.objects.count()
    assert selectors.patient_for_records(user=doctor, pk=patient.pk) is None
    assert selectors.medical_record_get_for(user=doctor, patient=patient) is None
    assert selectors.documents_for(user=doctor, patient=patient) is None
    assert selectors.admissions_for(user=doctor, patient=patient) is None
    assert selectors.notes_for_appointment(user=doctor, appointment=done) is None
    assert selectors.notes_for_patient(user=doctor, patient=patient) == []
    assert selectors.prescription_get_for(user=doctor, pk=rx.pk) is None
    assert selectors.prescription_pdf_for(user=doctor, pk=rx.pk) is None
    assert selectors.prescription_list_for(user=doctor) == []
    assert selectors.inpatients_for(user=doctor) is None
    assert AccessLog.objects.count() == before
    # The patient still reads their own.
    assert selectors.prescription_get_for(user=patient, pk=rx.pk) == rx


def test_a_suspended_or_pending_practitioner_reads_nothing_clinical():
    done = visit()
    doctor = done.practitioner.user
    for state, active in ((User.State.PENDING, True), (User.State.SUSPENDED, False)):
        User.objects.filter(pk=doctor.pk).update(state=state, is_active=active)
        doctor.refresh_from_db()
        assert not selectors.clinician_in_good_standing(doctor)
        assert selectors.medical_record_get_for(user=doctor, patient=done.patient) is None


def test_reads_name_their_door_and_path():
    done = visit()
    rx = prescription(done)
    doctor = done.practitioner.user
    selectors.prescription_get_for(user=doctor, pk=rx.pk, door="rest", path="/api/v1/x")
    selectors.prescription_pdf_for(user=doctor, pk=rx.pk, door="rest", path="/api/v1/x/pdf")
    rows = list(AccessLog.objects.order_by("pk").values_list("what", "door", "path", "object_id"))
    assert rows == [
        ("prescription", "rest", "/api/v1/x", rx.pk),
        ("pdf", "rest", "/api/v1/x/pdf", rx.pk),
    ]
