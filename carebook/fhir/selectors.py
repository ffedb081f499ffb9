"""Reads behind the FHIR endpoints, each filtered to what the caller may see."""

from datetime import UTC, datetime, timedelta

from django.db.models import Prefetch, QuerySet

from carebook.accounts.models import User
from carebook.booking.availability import appointments_keeping_time, slots_free_many
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


def busy_times(
    *,
    schedules: list[tuple[int, int]],
    start: datetime,
    end: datetime,
    now: datetime,
    service_ids: list[int] | None = None,
) -> dict[tuple[int, int], list[tuple[Service, datetime, datetime]]]:
    """Active appointments starting in [start, end) of each schedule: (service, start, end).

    Keyed (practitioner id, location id); one query, no patient data.
    """
    out: dict[tuple[int, int], list] = {pair: [] for pair in schedules}
    qs = appointments_keeping_time(now=now).filter(
        practitioner_id__in={p for p, _ in schedules},
        location_id__in={loc for _, loc in schedules},
        start__gte=start,
        start__lt=end,
    )
    if service_ids is not None:
        qs = qs.filter(service_id__in=service_ids)
    rows = list(
        qs.order_by("start").values_list(
            "practitioner_id", "location_id", "service_id", "start", "end"
        )
    )
    services = Service.objects.in_bulk({row[2] for row in rows})
    for pid, lid, service_id, visit_start, visit_end in rows:
        if (pid, lid) in out:
            out[(pid, lid)].append((services[service_id], visit_start, visit_end))
    return out


def free_slots(
    wanted: list[tuple[Practitioner, Location, list[Service]]],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> dict[tuple[int, int], list[tuple[SlotKey, datetime, Service]]]:
    """Slots the engine offers in [start, end) of each (practitioner, location, services).

    Keyed (practitioner id, location id); each slot as (key, end, service). Read in one go.
    """
    # Local dates of any zone lie within a day of the UTC date.
    first = (start.astimezone(UTC) - timedelta(days=1)).date()
    last = (end.astimezone(UTC) + timedelta(days=1)).date()
    found = slots_free_many(
        [(p.pk, loc.pk, service) for p, loc, services in wanted for service in services],
        start_date=first,
        end_date=last,
        now=now,
    )
    return {
        (p.pk, loc.pk): [
            (SlotKey(p.pk, loc.pk, service.pk, s.start), s.end, service)
            for service in services
            for s in found[(p.pk, loc.pk, service.pk)]
            if start <= s.start < end
        ]
        for p, loc, services in wanted
    }


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
