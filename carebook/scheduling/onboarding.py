"""Staff add a practitioner patients can book at once: account, profile, service and hours."""

from collections.abc import Iterable
from datetime import time

from django.db import transaction
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.accounts.services import ensure_staff
from carebook.clinic.models import Location, Practitioner
from carebook.clinic.services import practitioner_create_verified
from carebook.core.errors import InvalidInput
from carebook.scheduling.models import AvailabilityWindow, BookingRules


@transaction.atomic
def practitioner_create_by_staff(
    *,
    by: User,
    service_minutes: int,
    location: Location,
    weekdays: Iterable[int],
    start_time: time,
    end_time: time,
    **profile,
) -> Practitioner:
    """Create a practitioner patients can book at once: an active account, a profile verified
    by `by`, one service, default booking rules and weekly hours at one location.

    `profile` is what `clinic.services.practitioner_create_verified` takes (email, password,
    full_name, service_name, ...).
    """
    ensure_staff(by)
    days = sorted(set(weekdays))
    if not days or any(day not in range(7) for day in days):
        raise InvalidInput(_("Choose at least one working day."))
    if end_time <= start_time:
        raise InvalidInput(_("The working day must end after it starts."))
    opens, closes = start_time.hour * 60 + start_time.minute, end_time.hour * 60 + end_time.minute
    if service_minutes > closes - opens:
        raise InvalidInput(_("The visit is longer than the working hours."))
    if not location.is_active:
        raise InvalidInput(_("This location is closed."))
    practitioner = practitioner_create_verified(by=by, service_minutes=service_minutes, **profile)
    BookingRules.objects.create(practitioner=practitioner)
    AvailabilityWindow.objects.bulk_create(
        AvailabilityWindow(
            practitioner=practitioner,
            location=location,
            weekday=day,
            start_time=start_time,
            end_time=end_time,
        )
        for day in days
    )
    return practitioner
