"""The front desk's day at one location: every practitioner who works there that day (columns)
by time (rows), each cell free, booked, arrived, blocked or outside their hours.

Free cells are the engine's free slots of each practitioner's shortest service (the same slots
a patient is offered); booked cells carry their appointment; blocked cells their time off.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from carebook.booking.availability import default_services, slots_free_many
from carebook.booking.models import Appointment
from carebook.clinic.models import Location, Practitioner
from carebook.core.timeutils import local_day_bounds
from carebook.scheduling.models import AvailabilityWindow, TimeOff

S = Appointment.Status
SHOWN = (S.HELD, S.REQUESTED, S.CONFIRMED, S.COMPLETED, S.NO_SHOW)
STEP = timedelta(minutes=15)


@dataclass
class Cell:
    # "off" (outside hours), "free", "busy" (in hours, not bookable now: past, notice, buffer),
    # "booked", "arrived", "blocked" (time off)
    state: str
    appointment: Appointment | None = None
    slot_start: datetime | None = None  # a free cell's bookable start
    practitioner_id: int | None = None
    service_id: int | None = None
    first: bool = False  # the first row of a visit (where its name is written)


@dataclass
class Row:
    at: datetime  # UTC
    cells: list[Cell] = field(default_factory=list)


@dataclass
class DayGrid:
    location: Location
    day: date
    practitioners: list[Practitioner]
    services: dict[int, object]
    rows: list[Row]


def day_grid(*, location: Location, day: date, now: datetime) -> DayGrid:
    """The grid of `day` (local to the location) in STEP rows from the earliest hour worked."""
    weekday = day.weekday()
    windows = list(
        AvailabilityWindow.objects.filter(location=location, weekday=weekday)
        .exclude(valid_from__gt=day)
        .exclude(valid_until__lt=day)
        .select_related("practitioner__user")
        .order_by("practitioner__user__full_name", "start_time")
    )
    practitioners = list({w.practitioner_id: w.practitioner for w in windows}.values())
    if not windows:
        return DayGrid(location, day, [], {}, [])
    tz = location.tz
    first = min(w.start_time for w in windows)
    last = max(w.end_time for w in windows)
    start = _floor(datetime.combine(day, first, tz).astimezone(UTC))
    end = datetime.combine(day, last, tz).astimezone(UTC)
    lo, hi = local_day_bounds(day, tz)
    ids = [p.pk for p in practitioners]
    services = default_services(ids)
    booked = list(
        Appointment.objects.filter(
            practitioner_id__in=ids, status__in=SHOWN, start__lt=hi, end__gt=lo
        ).select_related("patient", "service")
    )
    off = list(TimeOff.objects.filter(practitioner_id__in=ids, start__lt=hi, end__gt=lo))
    found = slots_free_many(
        [(p.pk, location.pk, services[p.pk]) for p in practitioners if p.pk in services],
        start_date=day,
        end_date=day,
        now=now,
    )
    free = {
        pid: {_floor(s.start): s.start for s in slots} for (pid, _loc, _svc), slots in found.items()
    }
    hours = {
        p.pk: [
            (datetime.combine(day, w.start_time, tz), datetime.combine(day, w.end_time, tz))
            for w in windows
            if w.practitioner_id == p.pk
        ]
        for p in practitioners
    }
    rows, at = [], start
    while at < end:
        row = Row(at)
        for p in practitioners:
            cell = _cell(p.pk, at, hours, booked, off, free)
            if cell.state == "free":
                cell.service_id = services[p.pk].pk
            row.cells.append(cell)
        rows.append(row)
        at += STEP
    return DayGrid(location, day, practitioners, services, rows)


def _floor(instant: datetime) -> datetime:
    return instant - timedelta(minutes=instant.minute % 15, seconds=instant.second)


def _cell(pid, at, hours, booked, off, free) -> Cell:
    after = at + STEP
    for a in booked:
        if a.practitioner_id == pid and a.start < after and a.end > at:
            state = "arrived" if a.arrived_at else "booked"
            return Cell(state, appointment=a, first=at <= a.start < after)
    for t in off:
        if t.practitioner_id == pid and t.start < after and t.end > at:
            return Cell("blocked")
    if at in free.get(pid, {}):
        return Cell("free", slot_start=free[pid][at], practitioner_id=pid)
    working = any(s <= at < e for s, e in hours.get(pid, ()))
    return Cell("off" if not working else "busy")


def parse_day(value: str, fallback: date) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return fallback
