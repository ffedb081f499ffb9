"""Reads for scheduling: load windows, rules and busy time, and ask the engine."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from carebook.booking.models import Appointment
from carebook.clinic.models import Location, Practitioner, Service
from carebook.core.timeutils import now as utcnow
from carebook.scheduling import engine
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff

DEFAULT_RULES = engine.Rules(
    step_minutes=BookingRules._meta.get_field("slot_step_minutes").default,
    buffer_before_minutes=0,
    buffer_after_minutes=0,
    min_notice_minutes=BookingRules._meta.get_field("min_notice_minutes").default,
    max_days_ahead=BookingRules._meta.get_field("max_days_ahead").default,
)


def rules_to_engine(rules: BookingRules | None) -> engine.Rules:
    if rules is None:
        return DEFAULT_RULES
    return engine.Rules(
        step_minutes=rules.slot_step_minutes,
        buffer_before_minutes=rules.buffer_before_minutes,
        buffer_after_minutes=rules.buffer_after_minutes,
        min_notice_minutes=rules.min_notice_minutes,
        max_days_ahead=rules.max_days_ahead,
    )


def rules_for(practitioner_ids: Iterable[int]) -> dict[int, engine.Rules]:
    ids = list(practitioner_ids)
    found = {
        r.practitioner_id: rules_to_engine(r)
        for r in BookingRules.objects.filter(practitioner_id__in=ids)
    }
    return {pid: found.get(pid, DEFAULT_RULES) for pid in ids}


def windows_for(
    practitioner_ids: Iterable[int], *, active_locations_only: bool = True
) -> dict[int, list[engine.Window]]:
    qs = AvailabilityWindow.objects.filter(practitioner_id__in=list(practitioner_ids))
    if active_locations_only:
        qs = qs.filter(location__is_active=True)
    out: dict[int, list[engine.Window]] = defaultdict(list)
    for row in qs.values_list(
        "practitioner_id",
        "location_id",
        "location__time_zone",
        "weekday",
        "start_time",
        "end_time",
        "valid_from",
        "valid_until",
    ):
        out[row[0]].append(engine.Window(*row[1:]))
    return out


def busy_for(
    practitioner_ids: Iterable[int], start: datetime, end: datetime, *, now: datetime | None = None
) -> dict[int, list[tuple[datetime, datetime]]]:
    """Active appointment holds and time off of each practitioner that touch [start, end)."""
    ids = list(practitioner_ids)
    now = now or utcnow()
    out: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    appointments = (
        Appointment.objects.filter(
            practitioner_id__in=ids,
            status__in=Appointment.ACTIVE_STATUSES,
            hold_start__lt=end,
            hold_end__gt=start,
        )
        .exclude(status=Appointment.Status.HELD, held_until__lte=now)
        .values_list("practitioner_id", "hold_start", "hold_end")
    )
    time_off = TimeOff.objects.filter(
        practitioner_id__in=ids, start__lt=end, end__gt=start
    ).values_list("practitioner_id", "start", "end")
    for pid, s, e in [*appointments, *time_off]:
        out[pid].append((s, e))
    return out


def slots_free(
    *,
    practitioner: Practitioner,
    service: Service,
    start_date: date,
    end_date: date,
    location: Location | None = None,
    now: datetime | None = None,
) -> list[engine.Slot]:
    """Free slots of one practitioner for one service over local dates start..end (inclusive)."""
    now = now or utcnow()
    pid = practitioner.pk
    span_start = datetime.combine(start_date - timedelta(days=2), time.min, UTC)
    span_end = datetime.combine(end_date + timedelta(days=2), time.min, UTC)
    return engine.free_slots(
        windows=windows_for([pid]).get(pid, []),
        busy=busy_for([pid], span_start, span_end, now=now).get(pid, []),
        duration=timedelta(minutes=service.duration_minutes),
        rules=rules_for([pid])[pid],
        start_date=start_date,
        end_date=end_date,
        now=now,
        location_id=location.pk if location else None,
    )


def default_services(practitioner_ids: Iterable[int]) -> dict[int, Service]:
    """Each practitioner's shortest active service: what search shows the next slot for."""
    out: dict[int, Service] = {}
    for service in Service.objects.filter(
        practitioner_id__in=list(practitioner_ids), is_active=True
    ).order_by("practitioner_id", "duration_minutes", "pk"):
        out.setdefault(service.practitioner_id, service)
    return out


def next_free_slots(
    *, practitioner_ids: Iterable[int], now: datetime | None = None
) -> dict[int, engine.Slot | None]:
    """The earliest free slot of each practitioner (for its default service), in a few queries."""
    now = now or utcnow()
    ids = list(practitioner_ids)
    services = default_services(ids)
    rules = rules_for(ids)
    windows = windows_for(ids)
    horizon = max((r.max_days_ahead for r in rules.values()), default=0)
    busy = busy_for(ids, now - timedelta(days=1), now + timedelta(days=horizon + 2), now=now)
    result: dict[int, engine.Slot | None] = {}
    for pid in ids:
        service = services.get(pid)
        if service is None or not windows.get(pid):
            result[pid] = None
            continue
        result[pid] = engine.first_free_slot(
            windows=windows[pid],
            busy=busy.get(pid, []),
            duration=timedelta(minutes=service.duration_minutes),
            rules=rules[pid],
            now=now,
        )
    return result
