from datetime import UTC, datetime, timedelta

import pytest

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.selectors import (
    appointment_get_for,
    appointment_visible_to,
    patients_of_practitioner,
)
from carebook.booking.services import appointment_book, appointment_hold, appointment_reject
from carebook.booking.tests.factories import bookable_calendar, booking_args

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
NINE_IST = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)


def kw(cal, patient, start):
    return booking_args(cal, patient, start, now=NOW)


def test_each_role_sees_only_its_own_appointments():
    cal, other_cal = bookable_calendar(), bookable_calendar()
    me, someone = PatientFactory(), PatientFactory()
    mine = appointment_book(**kw(cal, me, NINE_IST))
    theirs = appointment_book(**kw(other_cal, someone, NINE_IST))
    assert list(appointment_visible_to(me)) == [mine]
    assert list(appointment_visible_to(cal.practitioner.user)) == [mine]
    assert set(appointment_visible_to(StaffFactory())) == {mine, theirs}
    assert appointment_get_for(user=me, pk=theirs.pk) is None
    assert appointment_get_for(user=other_cal.practitioner.user, pk=mine.pk) is None


def test_my_patients_excludes_holds_and_rejected_requests():
    cal = bookable_calendar()
    seen, held, rejected = PatientFactory(), PatientFactory(), PatientFactory()
    appointment_book(**kw(cal, seen, NINE_IST))
    appointment_hold(**kw(cal, held, NINE_IST + timedelta(hours=1)))
    r = appointment_book(**kw(cal, rejected, NINE_IST + timedelta(hours=2)))
    appointment_reject(appointment=r, by=cal.practitioner.user, reason="Wrong specialty", now=NOW)
    assert list(patients_of_practitioner(user=cal.practitioner.user)) == [seen]
    assert not patients_of_practitioner(user=seen).exists()
