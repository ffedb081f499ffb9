from datetime import UTC, datetime, timedelta

import pytest

from carebook.accounts.tests.factories import PatientFactory
from carebook.booking.availability import appointments_keeping_time, busy_for
from carebook.booking.models import Appointment
from carebook.booking.tests.factories import appointment_row, bookable_calendar
from carebook.scheduling.tests.factories import TimeOffFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
S = Appointment.Status


def epoch(value: datetime) -> int:
    return int(value.timestamp())


def test_busy_time_is_the_appointments_keeping_time_and_the_time_off():
    cal, other = bookable_calendar(), bookable_calendar()
    patient = PatientFactory()
    at = {
        "requested": NOW + timedelta(hours=1),
        "confirmed": NOW + timedelta(hours=2),
        "live hold": NOW + timedelta(hours=3),  # held until its start: still ahead
        "expired hold": NOW - timedelta(hours=1),
        "cancelled": NOW + timedelta(hours=5),
        "completed": NOW - timedelta(hours=3),
        "too late": NOW + timedelta(days=9),
    }
    status = {"live hold": S.HELD, "expired hold": S.HELD, "too late": S.CONFIRMED}
    for name, start in at.items():
        appointment_row(cal, patient, start, status=status.get(name, name))
    appointment_row(other, PatientFactory(), at["requested"], status=S.REQUESTED)
    off = TimeOffFactory(
        practitioner=cal.practitioner, start=NOW + timedelta(days=1), end=NOW + timedelta(days=2)
    )
    lo, hi = NOW - timedelta(days=1), NOW + timedelta(days=3)

    busy = busy_for([cal.practitioner.pk, other.practitioner.pk], lo, hi, now=NOW)

    half_hour = timedelta(minutes=30)
    assert sorted(busy[cal.practitioner.pk]) == [
        (epoch(at[name]), epoch(at[name] + half_hour))
        for name in ("requested", "confirmed", "live hold")
    ] + [(epoch(off.start), epoch(off.end))]
    assert busy[other.practitioner.pk] == [
        (epoch(at["requested"]), epoch(at["requested"] + half_hour))
    ]
    # The same rows as the ORM's definition of an appointment that keeps its time.
    kept = appointments_keeping_time(now=NOW).filter(
        practitioner=cal.practitioner, hold_start__lt=hi, hold_end__gt=lo
    )
    assert {(epoch(a.hold_start), epoch(a.hold_end)) for a in kept} | {
        (epoch(off.start), epoch(off.end))
    } == set(busy[cal.practitioner.pk])
    # One practitioner alone takes its own statement (no id column, ordered by start).
    alone = busy_for([cal.practitioner.pk], lo, hi, now=NOW)
    assert alone == {cal.practitioner.pk: sorted(busy[cal.practitioner.pk])}


def test_busy_time_of_no_practitioners_is_empty(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert busy_for([], NOW, NOW + timedelta(days=1)) == {}
