"""A bookable practitioner in one call, for tests that need a calendar to book into."""

from dataclasses import dataclass
from datetime import time, timedelta

from carebook.booking.models import Appointment
from carebook.clinic.models import Location, Practitioner, Service
from carebook.clinic.tests.factories import LocationFactory, PractitionerFactory, ServiceFactory
from carebook.scheduling.tests.factories import RulesFactory, WindowFactory


@dataclass
class Calendar:
    practitioner: Practitioner
    service: Service
    location: Location


def booking_args(cal: Calendar, patient, start, *, now, mode: str = "in_person") -> dict:
    """What `appointment_book` (or `appointment_hold`) takes for `patient` booking for
    themself on `cal` at `start`."""
    return dict(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode=mode,
        by=patient,
        now=now,
    )


def bookable_calendar(
    *,
    time_zone="Asia/Kolkata",
    start=time(9, 0),
    end=time(17, 0),
    duration=30,
    step=30,
    auto_confirm=False,
    buffer_before=0,
    buffer_after=0,
    cutoff_hours=24,
    min_notice=0,
    practitioner=None,
    location=None,
) -> Calendar:
    """A verified practitioner working every day start..end at one location."""
    practitioner = practitioner or PractitionerFactory()
    location = location or LocationFactory(time_zone=time_zone)
    service = ServiceFactory(practitioner=practitioner, duration_minutes=duration)
    RulesFactory(
        practitioner=practitioner,
        slot_step_minutes=step,
        auto_confirm=auto_confirm,
        buffer_before_minutes=buffer_before,
        buffer_after_minutes=buffer_after,
        cancellation_cutoff_hours=cutoff_hours,
        min_notice_minutes=min_notice,
    )
    for weekday in range(7):
        WindowFactory(
            practitioner=practitioner,
            location=location,
            weekday=weekday,
            start_time=start,
            end_time=end,
        )
    return Calendar(practitioner, service, location)


def appointment_row(
    cal: Calendar, patient, start, *, status: str, location: Location | None = None
) -> Appointment:
    """A 30-minute appointment written as it stands, past the services (for reports, statuses)."""
    end = start + timedelta(minutes=30)
    return Appointment.objects.create(
        patient=patient,
        practitioner=cal.practitioner,
        location=location or cal.location,
        service=cal.service,
        start=start,
        end=end,
        hold_start=start,
        hold_end=end,
        mode="in_person",
        status=status,
        held_until=start if status == Appointment.Status.HELD else None,
        booked_by=patient,
    )
