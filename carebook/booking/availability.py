"""Free time: windows and rules from scheduling, busy time from appointments and time off."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from django.db import connections, router
from django.db.models import QuerySet

from carebook.booking.models import Appointment
from carebook.clinic.models import Location, Practitioner, Service
from carebook.core.compiled import Compiled
from carebook.core.db import epoch_seconds_sql, ids_param, in_ids_sql
from carebook.core.timeutils import now as utcnow
from carebook.core.timeutils import zone
from carebook.scheduling import engine
from carebook.scheduling.models import TimeOff
from carebook.scheduling.selectors import windows_and_rules_for


def appointments_keeping_time(*, now: datetime) -> QuerySet[Appointment]:
    """Appointments that keep their time at `now`: the active ones, less holds that have expired."""
    return Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES).exclude(
        status=Appointment.Status.HELD, held_until__lte=now
    )


def busy_for(
    practitioner_ids: Iterable[int], start: datetime, end: datetime, *, now: datetime | None = None
) -> dict[int, list[tuple[int, int]]]:
    """Busy intervals (epoch seconds) of each practitioner touching [start, end).

    Active appointments' holds (an expired API hold no longer counts) and time off.
    """
    ids = [int(pid) for pid in practitioner_ids]
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if not ids:
        return out
    now = now or utcnow()
    # On the database the router picks for these reads: a replica for the directory's pages.
    alias = router.db_for_read(Appointment)
    connection = connections[alias]
    adapt = connection.ops.adapt_datetimefield_value
    start, end, now = adapt(start), adapt(end), adapt(now)
    one = len(ids) == 1  # slots_free and a booking
    param = ids_param(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            _busy_sql(alias, one),
            [param, end, start, *Appointment.ACTIVE_STATUSES, Appointment.Status.HELD, now]
            + [param, end, start],
        )
        rows = cursor.fetchall()
    if one:
        if rows:
            out[ids[0]] = rows  # (start, end) as they come
        return out
    for pid, s, e in rows:
        out[pid].append((s, e))
    return out


@cache
def _busy_sql(alias: str, one: bool) -> str:
    """`appointments_keeping_time`'s holds and time off as one statement built once: compiling
    the ORM's union on each call cost more than the database spends answering it.

    Rows are (practitioner id, start, end), or (start, end) in order when `one` practitioner
    is asked.
    """
    connection = connections[alias]
    q, vendor = connection.ops.quote_name, connection.vendor
    a, t = Appointment._meta, TimeOff._meta

    def col(meta, name):
        return q(meta.get_field(name).column)

    def select(meta, start, end):
        pid = col(meta, "practitioner")
        who = in_ids_sql(vendor, pid, one=one)
        columns = [
            epoch_seconds_sql(vendor, col(meta, start)),
            epoch_seconds_sql(vendor, col(meta, end)),
        ]
        if not one:
            columns.insert(0, pid)
        return (
            f"SELECT {', '.join(columns)} FROM {q(meta.db_table)} "  # noqa: S608
            f"WHERE {who} AND {col(meta, start)} < %s AND {col(meta, end)} > %s"
        )

    statuses = ", ".join(["%s"] * len(Appointment.ACTIVE_STATUSES))
    # Names come from the models' meta; values are always parameters.
    return (
        f"{select(a, 'hold_start', 'hold_end')} AND {col(a, 'status')} IN ({statuses}) "
        f"AND NOT ({col(a, 'status')} = %s AND {col(a, 'held_until')} IS NOT NULL "
        f"AND {col(a, 'held_until')} <= %s) "
        f"UNION ALL {select(t, 'start', 'end')}"
        # The engine sorts them again, but a list in order sorts in a single pass.
        f"{' ORDER BY 1' if one else ''}"
    )


def slots_free(
    *,
    practitioner: Practitioner,
    service: Service,
    start_date: date,
    end_date: date,
    location: Location | None = None,
    now: datetime | None = None,
    rules: engine.Rules | None = None,
    windows: list[engine.Window] | None = None,
) -> list[engine.Slot]:
    """Free slots of one practitioner for one service over local dates start..end (inclusive).

    A caller that has already read the practitioner's windows and rules passes both.
    """
    now = now or utcnow()
    pid = practitioner.pk
    if windows is None or rules is None:
        found_windows, found_rules = windows_and_rules_for([pid])
        windows, rules = found_windows.get(pid, []), rules or found_rules.get(pid)
    if not windows:
        return []
    span_start = datetime.combine(start_date - timedelta(days=2), time.min, UTC)
    span_end = datetime.combine(end_date + timedelta(days=2), time.min, UTC)
    return engine.free_slots(
        windows=windows,
        busy=busy_for([pid], span_start, span_end, now=now).get(pid, []),
        duration=timedelta(minutes=service.duration_minutes),
        rules=rules,
        start_date=start_date,
        end_date=end_date,
        now=now,
        location_id=location.pk if location else None,
    )


def slots_free_many(
    wanted: Iterable[tuple[int, int | None, Service]],
    *,
    start_date: date,
    end_date: date,
    now: datetime | None = None,
) -> dict[tuple[int, int | None, int], list[engine.Slot]]:
    """`slots_free` for many (practitioner id, location id or None, service) at once.

    Two queries in all, however many are asked: keyed (practitioner, location, service id).
    """
    now = now or utcnow()
    wanted = list(wanted)
    ids = {pid for pid, _, _ in wanted}
    windows, rules = windows_and_rules_for(ids)
    span_start = datetime.combine(start_date - timedelta(days=2), time.min, UTC)
    span_end = datetime.combine(end_date + timedelta(days=2), time.min, UTC)
    busy = busy_for([pid for pid in ids if pid in windows], span_start, span_end, now=now)
    out = {}
    for pid, location_id, service in wanted:
        out[(pid, location_id, service.pk)] = (
            engine.free_slots(
                windows=windows[pid],
                busy=busy.get(pid, []),
                duration=timedelta(minutes=service.duration_minutes),
                rules=rules[pid],
                start_date=start_date,
                end_date=end_date,
                now=now,
                location_id=location_id,
            )
            if windows.get(pid)
            else []
        )
    return out


def default_services(practitioner_ids: Iterable[int]) -> dict[int, Service]:
    """Each practitioner's shortest active service: what search shows the next slot for."""
    out: dict[int, Service] = {}
    for service in Service.objects.filter(
        practitioner_id__in=list(practitioner_ids), is_active=True
    ).order_by("practitioner_id", "duration_minutes", "pk"):
        out.setdefault(service.practitioner_id, service)
    return out


_DURATIONS = Compiled(
    Service,
    lambda ids: (
        Service.objects.filter(practitioner_id__in_ids=ids, is_active=True)
        .order_by("practitioner_id", "duration_minutes", "pk")
        .values_list("practitioner_id", "duration_minutes")
    ),
)


def default_durations(practitioner_ids: Iterable[int]) -> dict[int, int]:
    """Minutes of each practitioner's shortest active service: what search shows slots for."""
    out: dict[int, int] = {}
    for pid, minutes in _DURATIONS.rows(list(practitioner_ids)):
        out.setdefault(pid, minutes)
    return out


# Most practitioners have a free slot within days; look there first, then to the horizon.
NEAR_DAYS = 7


def next_free_slots(
    *, practitioner_ids: Iterable[int], now: datetime | None = None
) -> dict[int, engine.Slot | None]:
    """The earliest free slot of each practitioner (for its default service), in a few queries."""
    now = now or utcnow()
    ids = list(practitioner_ids)
    durations = default_durations(ids)
    windows, rules = windows_and_rules_for(ids)
    result: dict[int, engine.Slot | None] = dict.fromkeys(ids)
    pending = [pid for pid in ids if pid in durations and windows.get(pid)]
    near = now + timedelta(days=NEAR_DAYS)
    for until in (near, None):
        if not pending:
            break
        horizon = max(rules[pid].max_days_ahead for pid in pending)
        end = near if until else now + timedelta(days=horizon)
        busy = busy_for(pending, now - timedelta(days=1), end + timedelta(days=1), now=now)
        missing = []
        for pid in pending:
            slot = engine.first_free_slot(
                windows=windows[pid],
                busy=busy.get(pid, ()),
                duration=timedelta(minutes=durations[pid]),
                rules=rules[pid],
                now=now,
                until=until,
            )
            result[pid] = slot
            if slot is None:
                missing.append(pid)
        pending = missing
    return result


@dataclass(frozen=True, slots=True)
class FreeTime:
    """A practitioner's free time over a range of days, summed up."""

    first: engine.Slot | None
    # The earliest free start of each local date that has one: at any location (key None)
    # and at each location (key: its id).
    days: dict[int | None, dict[date, datetime]]


def free_time(
    practitioner_ids: Iterable[int],
    *,
    first_day: date,
    last_day: date,
    now: datetime,
    beyond_horizon: int = 0,
) -> dict[int, FreeTime]:
    """Each practitioner's first free slot and free local dates over first_day..last_day.

    For the default service (the shortest), as the directory shows it. A date counts at a
    location when the slots offered there (`location=` in `slots_free`) include one that day.
    `beyond_horizon` days past each one's horizon are looked at too (for `days` only: a day's
    earliest start is the same whether the horizon cuts that day later or not).
    """
    ids = list(practitioner_ids)
    durations = default_durations(ids)
    windows, rules = windows_and_rules_for(ids)
    empty = FreeTime(None, {})
    pending = [pid for pid in ids if pid in durations and windows.get(pid)]
    if not pending:
        return dict.fromkeys(ids, empty)
    longest = max(rules[pid].max_days_ahead for pid in pending) + beyond_horizon
    busy = busy_for(
        pending,
        datetime.combine(first_day - timedelta(days=2), time.min, UTC),
        min(
            datetime.combine(last_day + timedelta(days=2), time.min, UTC),
            now + timedelta(days=longest + 1),
        ),
        now=now,
    )
    out = dict.fromkeys(ids, empty)
    for pid in pending:
        zones = {w.location_id: zone(w.time_zone) for w in windows[pid]}
        wide = replace(rules[pid], max_days_ahead=rules[pid].max_days_ahead + beyond_horizon)

        def scan(location_id, pid=pid, zones=zones, wide=wide):
            first, days = None, {}
            for slot in engine.iter_free_slots(
                windows=windows[pid],
                busy=busy.get(pid, ()),
                duration=timedelta(minutes=durations[pid]),
                rules=wide,
                start_date=first_day,
                end_date=last_day,
                now=now,
                location_id=location_id,
            ):
                day = slot.start.astimezone(zones[slot.location_id]).date()
                if day not in days or slot.start < days[day]:
                    days[day] = slot.start
                if first is None or slot.start < first.start:
                    first = slot
            return first, days

        first, anywhere = scan(None)
        if first is not None and first.start > now + timedelta(days=rules[pid].max_days_ahead):
            first = None
        found = {None: anywhere}
        for location_id in zones:
            found[location_id] = anywhere if len(zones) == 1 else scan(location_id)[1]
        out[pid] = FreeTime(first, found)
    return out
