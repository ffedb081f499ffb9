"""The clinic's booking policy, decided in appointment_book for every door: pay at booking, and
a cap on the slots one patient may hold at once."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_book_held,
    appointment_hold,
    appointment_reschedule,
    hold_convert,
)
from carebook.booking.tests.factories import bookable_calendar
from carebook.booking.tests.test_services import NINE_IST, NOW, book
from carebook.clinic.models import Clinic
from carebook.core.errors import HoldLimitReached, PaymentRequired

pytestmark = pytest.mark.django_db
S = Appointment.Status


@pytest.fixture
def cal():
    return bookable_calendar()


@pytest.fixture
def patient():
    return PatientFactory()


@pytest.fixture
def pay_at_booking():
    clinic = Clinic.current()
    clinic.payment_at_booking = True
    clinic.save()
    return clinic


def hold(cal, patient, start, **kw):
    return appointment_hold(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        by=kw.pop("by", patient),
        now=kw.pop("now", NOW),
    )


def test_patient_booking_waits_for_payment_when_the_clinic_takes_it_at_booking(
    cal, patient, pay_at_booking
):
    appt = book(cal, patient)
    assert appt.status == S.HELD
    assert appt.payment_due
    assert appt.held_until > NOW


def test_a_hold_awaiting_payment_cannot_be_booked_without_it(cal, patient, pay_at_booking):
    appt = book(cal, patient)
    with pytest.raises(PaymentRequired):
        appointment_book_held(appointment=appt, by=patient, now=NOW)
    appt.refresh_from_db()
    assert appt.status == S.HELD


def test_a_paid_hold_is_booked(cal, patient, pay_at_booking):
    appt = book(cal, patient)
    with transaction.atomic():
        booked = hold_convert(appointment=appt, by=patient, now=NOW, paid=True)
    assert booked.status == S.REQUESTED


def test_an_api_hold_under_pay_at_booking_also_waits_for_payment(cal, patient, pay_at_booking):
    appt = hold(cal, patient, NINE_IST)
    assert appt.payment_due
    with pytest.raises(PaymentRequired):
        appointment_book_held(appointment=appt, by=patient, now=NOW)


def test_staff_booking_on_behalf_is_paid_at_the_counter(cal, patient, pay_at_booking):
    appt = book(cal, patient, by=StaffFactory())
    assert appt.status == S.REQUESTED
    assert not appt.payment_due


def test_a_free_visit_is_booked_straight_away(cal, patient, pay_at_booking):
    cal.service.price = Decimal("0")
    cal.service.save()
    cal.practitioner.consultation_fee = Decimal("0")
    cal.practitioner.save()
    assert cal.service.effective_price == 0
    assert book(cal, patient).status == S.REQUESTED


def test_moving_a_booking_does_not_ask_for_payment_again(cal, patient):
    appt = book(cal, patient)
    Clinic.objects.update(payment_at_booking=True)
    moved = appointment_reschedule(
        appointment=appt, start=NINE_IST + timedelta(hours=1), by=patient, now=NOW
    )
    assert moved.status == S.REQUESTED
    assert not moved.payment_due


def test_a_patient_holds_at_most_the_clinics_cap(cal, patient):
    assert Clinic.current().max_active_holds == 2
    hold(cal, patient, NINE_IST)
    hold(cal, patient, NINE_IST + timedelta(hours=1))
    with pytest.raises(HoldLimitReached):
        hold(cal, patient, NINE_IST + timedelta(hours=2))
    assert Appointment.objects.filter(patient=patient, status=S.HELD).count() == 2
    # Another patient is not affected.
    hold(cal, PatientFactory(), NINE_IST + timedelta(hours=2))


def test_expired_holds_do_not_count_towards_the_cap(cal, patient):
    hold(cal, patient, NINE_IST)
    hold(cal, patient, NINE_IST + timedelta(hours=1))
    later = NOW + timedelta(hours=1)
    hold(cal, patient, NINE_IST + timedelta(hours=2), now=later)


def test_pay_at_booking_holds_count_towards_the_cap(cal, patient, pay_at_booking):
    book(cal, patient)
    book(cal, patient, start=NINE_IST + timedelta(hours=1))
    with pytest.raises(HoldLimitReached):
        book(cal, patient, start=NINE_IST + timedelta(hours=2))
