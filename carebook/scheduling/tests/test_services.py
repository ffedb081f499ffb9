from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.booking.availability import slots_free
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.tests.factories import LocationFactory, PractitionerFactory
from carebook.core.errors import InvalidInput, PermissionDenied
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff
from carebook.scheduling.services import (
    availability_window_create,
    availability_window_delete,
    availability_windows_create,
    booking_rules_update,
    time_off_create,
    time_off_delete,
)
from carebook.scheduling.tests.factories import RulesFactory, TimeOffFactory, WindowFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 05:30 in Kolkata


@pytest.fixture
def practitioner():
    return PractitionerFactory()


@pytest.fixture
def location():
    return LocationFactory()


def window(practitioner, location, by, **kw):
    kw.setdefault("weekday", 0)
    kw.setdefault("start_time", time(9))
    kw.setdefault("end_time", time(13))
    return availability_window_create(practitioner=practitioner, location=location, by=by, **kw)


def strangers():
    return [
        PatientFactory(),
        PractitionerFactory().user,
        AnonymousUser(),
        UserFactory(role=User.Role.STAFF, state=User.State.SUSPENDED, is_active=False),
    ]


# --- windows ---------------------------------------------------------------------------------


def test_practitioner_adds_own_window(practitioner, location):
    created = window(practitioner, location, practitioner.user, valid_from=date(2026, 4, 1))
    assert AvailabilityWindow.objects.get() == created
    assert created.valid_from == date(2026, 4, 1)


def test_staff_may_add_a_window_for_a_practitioner(practitioner, location):
    window(practitioner, location, StaffFactory())
    assert AvailabilityWindow.objects.filter(practitioner=practitioner).count() == 1


@pytest.mark.parametrize("index", range(4))
def test_nobody_else_may_add_or_remove_windows(practitioner, location, index):
    by = strangers()[index]
    with pytest.raises(PermissionDenied):
        window(practitioner, location, by)
    existing = WindowFactory(practitioner=practitioner)
    with pytest.raises(PermissionDenied):
        availability_window_delete(window=existing, by=by)
    assert AvailabilityWindow.objects.filter(pk=existing.pk).exists()


def test_overlapping_window_on_the_same_day_is_refused(practitioner, location):
    window(practitioner, location, practitioner.user)
    with pytest.raises(InvalidInput, match="overlaps another window"):
        window(practitioner, location, practitioner.user, start_time=time(12), end_time=time(14))
    # Touching is not overlapping, and another day is free.
    window(practitioner, location, practitioner.user, start_time=time(13), end_time=time(15))
    window(practitioner, location, practitioner.user, weekday=1)
    assert AvailabilityWindow.objects.count() == 3


def test_window_must_end_after_it_starts(practitioner, location):
    with pytest.raises(InvalidInput, match="end after it starts"):
        window(practitioner, location, practitioner.user, start_time=time(13), end_time=time(9))


def test_window_at_a_closed_location_is_refused(practitioner):
    closed = LocationFactory(is_active=False)
    with pytest.raises(InvalidInput, match="closed"):
        window(practitioner, closed, practitioner.user)


def test_several_days_are_added_all_or_none(practitioner, location):
    WindowFactory(practitioner=practitioner, location=location, weekday=3, start_time=time(10))
    with pytest.raises(InvalidInput, match="^Thursday: "):
        availability_windows_create(
            practitioner=practitioner,
            location=location,
            weekdays=[0, 3, 4],
            start_time=time(9),
            end_time=time(12),
            by=practitioner.user,
        )
    assert AvailabilityWindow.objects.count() == 1
    created = availability_windows_create(
        practitioner=practitioner,
        location=location,
        weekdays=[4, 0, 0],
        start_time=time(9),
        end_time=time(12),
        by=practitioner.user,
    )
    assert [w.weekday for w in created] == [0, 4]


def test_practitioner_removes_own_window(practitioner):
    existing = WindowFactory(practitioner=practitioner)
    availability_window_delete(window=existing, by=practitioner.user)
    assert not AvailabilityWindow.objects.exists()


# --- time off --------------------------------------------------------------------------------


def test_time_off_is_stored_and_blocks_slots():
    cal = bookable_calendar()
    start = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)  # Tue 09:00 IST
    off = time_off_create(
        practitioner=cal.practitioner,
        start=start,
        end=start + timedelta(hours=2),
        reason=" dentist ",
        by=cal.practitioner.user,
    )
    assert off.reason == "dentist"
    slots = slots_free(
        practitioner=cal.practitioner,
        service=cal.service,
        start_date=date(2026, 3, 3),
        end_date=date(2026, 3, 3),
        now=NOW,
    )
    assert slots[0].start == start + timedelta(hours=2)


def test_time_off_must_end_after_it_starts(practitioner):
    start = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="end after it starts"):
        time_off_create(practitioner=practitioner, start=start, end=start, by=practitioner.user)


def test_time_off_refuses_naive_datetimes(practitioner):
    with pytest.raises(ValueError, match="naive"):
        time_off_create(
            practitioner=practitioner,
            start=datetime(2026, 3, 3, 9),
            end=datetime(2026, 3, 3, 11),
            by=practitioner.user,
        )


@pytest.mark.parametrize("index", range(4))
def test_nobody_else_may_add_or_remove_time_off(practitioner, index):
    by = strangers()[index]
    start = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)
    with pytest.raises(PermissionDenied):
        time_off_create(
            practitioner=practitioner, start=start, end=start + timedelta(hours=1), by=by
        )
    existing = TimeOffFactory(
        practitioner=practitioner, start=start, end=start + timedelta(hours=1)
    )
    with pytest.raises(PermissionDenied):
        time_off_delete(time_off=existing, by=by)
    assert TimeOff.objects.filter(pk=existing.pk).exists()


def test_practitioner_and_staff_remove_time_off(practitioner):
    start = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)
    one, two = (
        TimeOffFactory(practitioner=practitioner, start=start, end=start + timedelta(hours=1))
        for _ in range(2)
    )
    time_off_delete(time_off=one, by=practitioner.user)
    time_off_delete(time_off=two, by=StaffFactory())
    assert not TimeOff.objects.exists()


# --- booking rules ---------------------------------------------------------------------------

RULES = {
    "slot_step_minutes": 20,
    "buffer_before_minutes": 5,
    "buffer_after_minutes": 10,
    "min_notice_minutes": 120,
    "max_days_ahead": 30,
    "cancellation_cutoff_hours": 12,
    "auto_confirm": True,
}


def test_booking_rules_are_created_then_updated(practitioner):
    created = booking_rules_update(practitioner=practitioner, by=practitioner.user, **RULES)
    assert BookingRules.objects.get() == created
    assert (created.slot_step_minutes, created.auto_confirm) == (20, True)
    updated = booking_rules_update(
        practitioner=practitioner, by=practitioner.user, **{**RULES, "auto_confirm": False}
    )
    assert updated.pk == created.pk and not BookingRules.objects.get().auto_confirm


def test_existing_rules_are_updated_in_place(practitioner):
    existing = RulesFactory(practitioner=practitioner)
    booking_rules_update(practitioner=practitioner, by=StaffFactory(), **RULES)
    existing.refresh_from_db()
    assert existing.max_days_ahead == 30 and BookingRules.objects.count() == 1


def test_booking_rules_out_of_range_are_refused(practitioner):
    with pytest.raises(InvalidInput, match="Slot step"):
        booking_rules_update(
            practitioner=practitioner, by=practitioner.user, **{**RULES, "slot_step_minutes": 1}
        )
    assert not BookingRules.objects.exists()


@pytest.mark.parametrize("index", range(4))
def test_nobody_else_may_change_booking_rules(practitioner, index):
    with pytest.raises(PermissionDenied):
        booking_rules_update(practitioner=practitioner, by=strangers()[index], **RULES)
