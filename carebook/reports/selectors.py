"""The clinic's figures, counted on each location's local day.

A visit at 23:30 in Bengaluru counts on that Bengaluru day, whatever the server's zone. On
PostgreSQL the database converts and groups (`timezone()`, `date_trunc`); on SQLite, which has
no time zones, the rows of the range are converted in Python (an embedded clinic's volume).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, DateField, F, Func, IntegerField, QuerySet

from carebook.booking.models import Appointment
from carebook.core.db import EpochSeconds
from carebook.core.timeutils import zone
from carebook.reports.periods import GROUPS, period_start

S = Appointment.Status
# The statuses a report counts (a hold is a few minutes of a payment in progress, not a visit).
STATUSES = [S.REQUESTED, S.CONFIRMED, S.COMPLETED, S.CANCELLED, S.REJECTED, S.NO_SHOW, S.EXPIRED]
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
    """PostgreSQL: a part of a timestamptz's wall-clock time in the zone another column names."""

    def __init__(self, part: str, output_field, instant="start", time_zone="location__time_zone"):
        self.template = part.replace("LOCAL", "timezone(%(expressions)s)")
        super().__init__(F(time_zone), F(instant), output_field=output_field)


def local_date(instant="start", time_zone="location__time_zone") -> Func:
    return _Local("CAST(LOCAL AS date)", DateField(), instant, time_zone)


def local_period(group_by: str, instant="start", time_zone="location__time_zone") -> Func:
    if group_by not in GROUPS:
        raise ValueError(group_by)
    return _Local(f"CAST(date_trunc('{group_by}', LOCAL) AS date)", DateField(), instant, time_zone)


def local_hour() -> Func:
    return _Local("CAST(EXTRACT(HOUR FROM LOCAL) AS integer)", IntegerField())


def local_weekday() -> Func:
    """Monday 0 ... Sunday 6."""
    return _Local("CAST(EXTRACT(ISODOW FROM LOCAL) AS integer) - 1", IntegerField())


def appointments_for(filters: ReportFilters) -> QuerySet[Appointment]:
    qs = Appointment.objects.filter(status__in=STATUSES)
    if filters.location_id:
        qs = qs.filter(location_id=filters.location_id)
    if filters.practitioner_id:
        qs = qs.filter(practitioner_id=filters.practitioner_id)
    if filters.service_id:
        qs = qs.filter(service_id=filters.service_id)
    if filters.specialty:
        qs = qs.filter(practitioner__specialties__slug=filters.specialty)
    return qs


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """An instant range surely holding every local date start..end of any zone."""
    return (
        datetime.combine(start, time.min, UTC) - WIDEST_OFFSET,
        datetime.combine(end + timedelta(days=1), time.min, UTC) + WIDEST_OFFSET,
    )


def rows_on_local_days(
    qs: QuerySet,
    start: date,
    end: date,
    *fields: str,
    instant: str = "start",
    time_zone: str = "location__time_zone",
):
    """(local time of `instant`, *fields) of each row whose local date is start..end.

    The SQLite way (no time zones in the database): the range's rows, converted in Python.
    """
    lo, hi = utc_bounds(start, end)
    zones = {}
    for ts, tz, *rest in qs.filter(**{f"{instant}__gte": lo, f"{instant}__lt": hi}).values_list(
        EpochSeconds(instant), time_zone, *fields
    ):
        local = datetime.fromtimestamp(ts, zones.setdefault(tz, zone(tz)))
        if start <= local.date() <= end:
            yield local, *rest


def appointment_counts(
    *, start: date, end: date, group_by: str, filters: ReportFilters
) -> dict[date, Counter]:
    """Appointments starting on local dates start..end, per period and status."""
    qs = appointments_for(filters)
    out: dict[date, Counter] = defaultdict(Counter)
    if connection.vendor == "postgresql":
        lo, hi = utc_bounds(start, end)
        rows = (
            qs.filter(start__gte=lo, start__lt=hi)
            .annotate(day=local_date())
            .filter(day__gte=start, day__lte=end)
            .annotate(key=local_period(group_by))
            .values("key", "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            out[row["key"]][row["status"]] += row["n"]
    else:
        for local, status in rows_on_local_days(qs, start, end, "status"):
            out[period_start(local.date(), group_by)][status] += 1
    return out


def peak_hours(*, start: date, end: date, filters: ReportFilters) -> list[list[int]]:
    """Visits (confirmed or completed) by weekday (0 = Monday) and local hour: 7 x 24 counts."""
    qs = appointments_for(filters).filter(status__in=ATTENDED)
    grid = [[0] * 24 for _ in range(7)]
    if connection.vendor == "postgresql":
        lo, hi = utc_bounds(start, end)
        rows = (
            qs.filter(start__gte=lo, start__lt=hi)
            .annotate(day=local_date())
            .filter(day__gte=start, day__lte=end)
            .annotate(weekday=local_weekday(), hour=local_hour())
            .values("weekday", "hour")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            grid[row["weekday"]][row["hour"]] += row["n"]
    else:
        for (local,) in rows_on_local_days(qs, start, end):
            grid[local.weekday()][local.hour] += 1
    return grid
