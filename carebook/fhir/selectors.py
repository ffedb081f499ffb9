"""Reads behind the FHIR endpoints, each filtered to what the caller may see."""

from datetime import UTC, datetime, timedelta

from django.db.models import Prefetch, QuerySet

from carebook.accounts.models import User
from carebook.booking.availability import appointments_keeping_time, slots_free
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.selectors import appointment_visible_to
from carebook.clinic.models import Location, Practitioner, Service
from carebook.clinic.selectors import practitioners_bookable
from carebook.fhir.resources import SlotKey
from carebook.scheduling.models import AvailabilityWindow


def practitioners_listed() -> QuerySet[Practitioner]:
    """Bookable practitioners with what their resources show, in id order."""
    return (
        practitioners_bookable()
        .select_related("user")
        .prefetch_related(
            "specialties",
            "languages",
            Prefetch("services", queryset=Service.objects.filter(is_active=True)),
        )
        .order_by("pk")
    )


def locations_listed() -> QuerySet[Location]:
    """Every location, open or closed (a closed one says so in its status)."""
    return Location.objects.order_by("pk")


def schedule_pairs(
    *, practitioner_ids: list[int] | None = None, location_ids: list[int] | None = None
) -> list[tuple[int, int]]:
    """(practitioner, location) of every schedule: a bookable practitioner's open location."""
    qs = AvailabilityWindow.objects.filter(
        practitioner__in=practitioners_bookable(), location__is_active=True
    )
    if practitioner_ids is not None:
        qs = qs.filter(practitioner_id__in=practitioner_ids)
    if location_ids is not None:
        qs = qs.filter(location_id__in=location_ids)
    return sorted(set(qs.values_list("practitioner_id", "location_id")))


def appointments_for_fhir(user: User, *, path: str = "") -> QuerySet[Appointment]:
    """What `user` may see, with the history rows that hold cancellation reasons; the reasons
    of the rows fetched are logged as read through the FHIR door."""
    return appointment_visible_to(user, door="fhir", path=path).prefetch_related(
        Prefetch(
            "history",
            queryset=AppointmentHistory.objects.filter(
                to_status__in=[Appointment.Status.CANCELLED, Appointment.Status.REJECTED]
            ).order_by("-at", "-id"),
            to_attr="cancel_rows",
        )
    )


def cancel_reason(appointment: Appointment) -> str:
    rows = getattr(appointment, "cancel_rows", None)
    if rows is None:
        rows = list(
            appointment.history.filter(to_status=appointment.status).order_by("-at", "-id")[:1]
        )
    return next((r.reason for r in rows if r.to_status == appointment.status and r.reason), "")


def busy_appointments(
    *, practitioner_id: int, location_id: int, start: datetime, end: datetime, now: datetime
) -> QuerySet[Appointment]:
    """Active appointments starting in [start, end) of one schedule (no patient data)."""
    return (
        appointments_keeping_time(now=now)
        .filter(
            practitioner_id=practitioner_id,
            location_id=location_id,
            start__gte=start,
            start__lt=end,
        )
        .select_related("service")
        .only("start", "end", "service", "practitioner_id", "location_id")
        .order_by("start")
    )


def free_slots(
    *,
    practitioner: Practitioner,
    location: Location,
    services: list[Service],
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[tuple[SlotKey, datetime, Service]]:
    """Slots the engine offers of `services` at `location` in [start, end): (key, end, service)."""
    # Local dates of any zone lie within a day of the UTC date.
    first = (start.astimezone(UTC) - timedelta(days=1)).date()
    last = (end.astimezone(UTC) + timedelta(days=1)).date()
    return [
        (SlotKey(practitioner.pk, location.pk, service.pk, s.start), s.end, service)
        for service in services
        for s in slots_free(
            practitioner=practitioner,
            service=service,
            start_date=first,
            end_date=last,
            location=location,
            now=now,
        )
        if start <= s.start < end
    ]


def slot_is_busy(key: SlotKey, *, now: datetime) -> Appointment | None:
    """The appointment that keeps the slot `key` names at `now`, if any."""
    return (
        appointments_keeping_time(now=now)
        .filter(
            practitioner_id=key.practitioner_id,
            location_id=key.location_id,
            service_id=key.service_id,
            start=key.start,
        )
        .first()
    )
