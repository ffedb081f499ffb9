"""The clinic's figures, counted on each location's local day.

A visit at 23:30 in Bengaluru counts on that Bengaluru day, whatever the server's zone. The
counts read the visits rollup (`VisitRollup`: per practitioner, local day and month); what it
does not keep, the database works out from the appointments, converting each instant to its
location's wall clock (`_Local`).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import DateField, F, Func, Q, QuerySet, Sum
from django.db.models.functions import ExtractIsoWeekDay, TruncMonth, TruncWeek

from carebook.booking.models import Appointment
from carebook.clinic.models import Location
from carebook.core.db import planned_for_values
from carebook.core.timeutils import zone
from carebook.reports.measures import STATUSES, S
from carebook.reports.models import VisitRollup

# Visits that fill the waiting room: peak hours count these.
ATTENDED = [S.CONFIRMED, S.COMPLETED]
WIDEST_OFFSET = timedelta(hours=14)


@dataclass(frozen=True)
class ReportFilters:
    location_id: int | None = None
    practitioner_id: int | None = None
    specialty: str = ""  # slug
    service_id: int | None = None


class _Local(Func):
    """A part of a timestamp's wall-clock time in the zone another column names.

    PostgreSQL converts with `timezone()`; SQLite with `carebook_local()`, a Python function
    the core app gives each SQLite connection. Either way the database groups.
    """

    def __init__(self, parts: dict[str, str], output_field, instant, time_zone):
        self.parts = parts
        super().__init__(F(time_zone), F(instant), output_field=output_field)

    def as_sql(self, compiler, connection, **extra):
        local = {"postgresql": "timezone(%(expressions)s)"}.get(
            connection.vendor, "carebook_local(%(expressions)s)"
        )
        part = self.parts.get(connection.vendor, self.parts["sqlite"])
        return super().as_sql(compiler, connection, template=part.replace("LOCAL", local), **extra)


_DATE = {"postgresql": "CAST(LOCAL AS date)", "sqlite": "date(LOCAL)"}


def local_date(instant="start", time_zone="location__time_zone") -> Func:
    return _Local(_DATE, DateField(), instant, time_zone)


def filtered_by_visit(qs: QuerySet, filters: ReportFilters, appointment: str = "") -> QuerySet:
    """`qs` narrowed to the visits `filters` choose; `appointment`: the path to the visit."""
    to = f"{appointment}__" if appointment else ""
    if filters.location_id:
        qs = qs.filter(**{f"{to}location_id": filters.location_id})
    if filters.practitioner_id:
        qs = qs.filter(**{f"{to}practitioner_id": filters.practitioner_id})
    if filters.service_id:
        qs = qs.filter(**{f"{to}service_id": filters.service_id})
    if filters.specialty:
        qs = qs.filter(**{f"{to}practitioner__specialties__slug": filters.specialty})
    return qs


def appointments_for(filters: ReportFilters) -> QuerySet[Appointment]:
    return filtered_by_visit(Appointment.objects.filter(status__in=STATUSES), filters)


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """An instant range surely holding every local date start..end of any zone."""
    return (
        datetime.combine(start, time.min, UTC) - WIDEST_OFFSET,
        datetime.combine(end + timedelta(days=1), time.min, UTC) + WIDEST_OFFSET,
    )


def local_day_bounds(start: date, end: date, time_zone: str) -> tuple[datetime, datetime]:
    """The instants [first, last) of local dates start..end in `time_zone` (DST-aware: a day
    may be 23 or 25 hours)."""
    tz = zone(time_zone)
    return (
        datetime.combine(start, time.min, tz).astimezone(UTC),
        datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC),
    )


def on_local_days(
    qs: QuerySet,
    start: date,
    end: date,
    *,
    instant: str = "start",
    time_zone: str = "location__time_zone",
) -> QuerySet:
    """The rows of `qs` whose `instant` falls on local dates start..end of their zone.

    Each zone a location uses is one exact instant range (an index serves it; no row is
    converted); a zone kept on a row that no location uses any more is converted row by row.
    """
    locations = defaultdict(list)
    for pk, name in Location.objects.values_list("pk", "time_zone"):
        locations[name].append(pk)
    by_location = time_zone.endswith("location__time_zone")
    chosen = Q(pk__in=[])
    for name, pks in locations.items():
        lo, hi = local_day_bounds(start, end, name)
        where = (
            {f"{time_zone.removesuffix('__time_zone')}_id__in": pks}
            if by_location
            else {time_zone: name}
        )
        chosen |= Q(**where, **{f"{instant}__gte": lo, f"{instant}__lt": hi})
    if not by_location:
        qs = qs.alias(local_day=local_date(instant, time_zone))
        chosen |= Q(
            ~Q(**{f"{time_zone}__in": list(locations)}),
            local_day__gte=start,
            local_day__lte=end,
        )
    # The envelope of every zone's range: the one range an index scan can start from.
    lo, hi = utc_bounds(start, end)
    return qs.filter(chosen, **{f"{instant}__gte": lo, f"{instant}__lt": hi})


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def rollup_span(start: date, end: date, *, by_day: bool = False) -> Q:
    """The rollup rows that add up to local dates start..end: whole months from the month
    rows (unless `by_day`), the days around them from the day rows."""
    first = start if start.day == 1 else _month_after(start)
    last = first
    while _month_after(last) - timedelta(days=1) <= end:
        last = _month_after(last)
    days = Q(grain=VisitRollup.Grain.DAY)
    if by_day or last == first:
        return days & Q(day__gte=start, day__lte=end)
    span = Q(grain=VisitRollup.Grain.MONTH, day__gte=first, day__lt=last)
    if start < first:
        span |= days & Q(day__gte=start, day__lt=first)
    if end >= last:
        span |= days & Q(day__gte=last, day__lte=end)
    return span


def rollup_for(
    filters: ReportFilters, start: date, end: date, *, by_day: bool = False
) -> QuerySet[VisitRollup]:
    """The rollup rows of the visits `filters` choose on local dates start..end."""
    return filtered_by_visit(
        VisitRollup.objects.filter(rollup_span(start, end, by_day=by_day)), filters
    )


ROLLUP_PERIOD = {"day": F("day"), "week": TruncWeek("day"), "month": TruncMonth("day")}


@planned_for_values()
def appointment_counts(
    *, start: date, end: date, group_by: str, filters: ReportFilters
) -> dict[date, Counter]:
    """Appointments starting on local dates start..end, per period and status."""
    rows = (
        rollup_for(filters, start, end, by_day=group_by != "month")
        .annotate(key=ROLLUP_PERIOD[group_by])
        .values("key", "status")
        .annotate(n=Sum("visits"))
        .order_by()
    )
    out: dict[date, Counter] = defaultdict(Counter)
    for row in rows:
        out[row["key"]][row["status"]] += row["n"]
    return out


@planned_for_values()
def peak_hours(*, start: date, end: date, filters: ReportFilters) -> list[list[int]]:
    """Visits (confirmed or completed) by weekday (0 = Monday) and local hour: 7 x 24 counts,
    from the rollup's day rows (each keeps its visits per local hour)."""
    hours = [f"h{h:02d}" for h in range(24)]
    rows = (
        rollup_for(filters, start, end, by_day=True)
        .filter(status__in=ATTENDED)
        .annotate(weekday=ExtractIsoWeekDay("day"))
        .values("weekday")
        .annotate(**{f"sum_{h}": Sum(h) for h in hours})
        .order_by()
    )
    grid = [[0] * 24 for _ in range(7)]
    for row in rows:
        grid[row["weekday"] - 1] = [row[f"sum_{h}"] or 0 for h in hours]
    return grid
