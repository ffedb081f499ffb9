"""Writes on a practitioner's calendar: weekly windows, time off and booking rules.

Each checks that `by` is the practitioner themselves or clinic staff, validates the row as the
model does, and writes it in one transaction.
"""

from collections.abc import Iterable
from datetime import date, datetime, time

from django.db import transaction
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.clinic.models import Location, Practitioner
from carebook.clinic.services import ensure_can_manage_practitioner, validate_or_refuse
from carebook.core.errors import InvalidInput
from carebook.core.locking import lock
from carebook.core.timeutils import ensure_aware
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff, Weekday


@transaction.atomic
def availability_window_create(
    *,
    practitioner: Practitioner,
    location: Location,
    weekday: int,
    start_time: time,
    end_time: time,
    valid_from: date | None = None,
    valid_until: date | None = None,
    by: User,
) -> AvailabilityWindow:
    """Add weekly working hours at an active location; refuse overlap with another window."""
    ensure_can_manage_practitioner(practitioner, by=by)
    if not location.is_active:
        raise InvalidInput(_("That location is closed."))
    # Two windows added at once must not both pass the overlap check.
    lock(Practitioner, practitioner.pk)
    window = AvailabilityWindow(
        practitioner=practitioner,
        location=location,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    validate_or_refuse(window)
    window.save()
    return window


@transaction.atomic
def availability_windows_create(
    *,
    practitioner: Practitioner,
    location: Location,
    weekdays: Iterable[int],
    start_time: time,
    end_time: time,
    valid_from: date | None = None,
    valid_until: date | None = None,
    by: User,
) -> list[AvailabilityWindow]:
    """The same hours on several weekdays: all of them or, if one is refused, none."""
    windows = []
    for weekday in sorted(set(weekdays)):
        try:
            windows.append(
                availability_window_create(
                    practitioner=practitioner,
                    location=location,
                    weekday=weekday,
                    start_time=start_time,
                    end_time=end_time,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    by=by,
                )
            )
        except InvalidInput as exc:
            raise InvalidInput(f"{Weekday(weekday).label}: {exc.message}") from exc
    if not windows:
        raise InvalidInput(_("Choose at least one day."))
    return windows


@transaction.atomic
def availability_window_delete(*, window: AvailabilityWindow, by: User) -> None:
    """Remove weekly hours; appointments already booked in them stay booked."""
    ensure_can_manage_practitioner(window.practitioner, by=by)
    window.delete()


@transaction.atomic
def time_off_create(
    *, practitioner: Practitioner, start: datetime, end: datetime, reason: str = "", by: User
) -> TimeOff:
    """Block [start, end) for new bookings; booked appointments in it are left to the caller."""
    ensure_can_manage_practitioner(practitioner, by=by)
    time_off = TimeOff(
        practitioner=practitioner,
        start=ensure_aware(start),
        end=ensure_aware(end),
        reason=reason.strip(),
    )
    validate_or_refuse(time_off)
    time_off.save()
    return time_off


@transaction.atomic
def time_off_delete(*, time_off: TimeOff, by: User) -> None:
    ensure_can_manage_practitioner(time_off.practitioner, by=by)
    time_off.delete()


@transaction.atomic
def booking_rules_update(
    *,
    practitioner: Practitioner,
    slot_step_minutes: int,
    buffer_before_minutes: int,
    buffer_after_minutes: int,
    min_notice_minutes: int,
    max_days_ahead: int,
    cancellation_cutoff_hours: int,
    auto_confirm: bool,
    by: User,
) -> BookingRules:
    """Set how the practitioner's calendar may be booked (creating the rules on first use)."""
    ensure_can_manage_practitioner(practitioner, by=by)
    lock(Practitioner, practitioner.pk)
    rules = BookingRules.objects.filter(practitioner=practitioner).first() or BookingRules(
        practitioner=practitioner
    )
    rules.slot_step_minutes = slot_step_minutes
    rules.buffer_before_minutes = buffer_before_minutes
    rules.buffer_after_minutes = buffer_after_minutes
    rules.min_notice_minutes = min_notice_minutes
    rules.max_days_ahead = max_days_ahead
    rules.cancellation_cutoff_hours = cancellation_cutoff_hours
    rules.auto_confirm = auto_confirm
    validate_or_refuse(rules, exclude=["practitioner"])
    rules.save()
    return rules
