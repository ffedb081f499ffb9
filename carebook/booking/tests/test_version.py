from datetime import UTC, datetime

import pytest
from django.db import transaction

from carebook.accounts.tests.factories import PatientFactory
from carebook.booking.models import Appointment
from carebook.booking.services import (
    AppointmentChanged,
    appointment_book,
    appointment_book_held,
    appointment_cancel,
    appointment_confirm,
    appointment_hold,
    hold_convert,
    hold_release,
)
from carebook.booking.tests.factories import bookable_calendar, booking_args

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
NINE_IST = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)


def _args(cal, patient):
    return booking_args(cal, patient, NINE_IST, now=NOW)


def test_a_new_appointment_is_version_one_and_each_change_adds_one():
    cal, patient = bookable_calendar(), PatientFactory()
    appt = appointment_book(**_args(cal, patient))
    assert appt.version == 1
    appt = appointment_confirm(appointment=appt, by=cal.practitioner.user, now=NOW)
    assert appt.version == 2
    appt = appointment_cancel(appointment=appt, by=patient, reason="", now=NOW)
    assert appt.version == 3
    assert Appointment.objects.get(pk=appt.pk).version == 3 == appt.history.count()


def test_booking_a_hold_counts_as_a_change():
    cal, patient = bookable_calendar(), PatientFactory()
    held = appointment_hold(**_args(cal, patient))
    booked = appointment_book_held(appointment=held, by=patient, now=NOW)
    assert (held.version, Appointment.objects.get(pk=booked.pk).version) == (1, 2)


def test_releasing_a_hold_counts_as_a_change():
    cal, patient = bookable_calendar(), PatientFactory()
    held = appointment_hold(**_args(cal, patient))
    with transaction.atomic():
        hold_release(appointment=held, now=NOW)
    released = Appointment.objects.get(pk=held.pk)
    assert (released.status, released.held_until) == (Appointment.Status.CANCELLED, NOW)
    assert released.version == 2 == released.history.count()


def test_booking_a_hold_refuses_a_stale_version_under_the_lock():
    cal, patient = bookable_calendar(), PatientFactory()
    held = appointment_hold(**_args(cal, patient))
    with pytest.raises(AppointmentChanged):
        appointment_book_held(appointment=held, by=patient, now=NOW, expected_version=2)
    with pytest.raises(AppointmentChanged), transaction.atomic():
        hold_convert(appointment=held, by=patient, now=NOW, expected_version=2)
    assert Appointment.objects.get(pk=held.pk).status == Appointment.Status.HELD
    booked = appointment_book_held(appointment=held, by=patient, now=NOW, expected_version=1)
    assert booked.version == 2
