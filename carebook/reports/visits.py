"""How visits went, on each location's local day: by whom and what, who is new, who cancelled
(and how late), no-shows, how far ahead patients book and how long requests wait.

Every figure counts the appointments starting on local dates start..end that `filters` choose.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Min, Sum
from django.db.models.expressions import RawSQL

from carebook.clinic.models import Location, Practitioner, Service, Specialty, VisitMode
from carebook.core.db import planned_for_values
from carebook.reports.measures import CANCELLERS, DECISION_BANDS, KEPT, LEAD_BANDS, S
from carebook.reports.selectors import (
    ReportFilters,
    appointments_for,
    on_local_days,
    rollup_for,
)

__all__ = ["CANCELLERS", "DECISION_BANDS", "KEPT", "LEAD_BANDS"]  # the figures' vocabulary
DIMENSIONS = {
    "practitioner": "practitioner_id",
    "specialty": "practitioner__specialties__slug",
    "location": "location_id",
    "service": "service_id",
    "mode": "mode",
}


def _label_of(dimension: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if dimension == "practitioner":
        return {
            p.pk: p.display_name
            for p in Practitioner.objects.select_related("user").filter(pk__in=keys)
        }
    if dimension == "specialty":
        return dict(Specialty.objects.filter(slug__in=keys).values_list("slug", "name"))
    if dimension == "location":
        return dict(Location.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "service":
        return {s.pk: str(s) for s in Service.objects.filter(pk__in=keys)}
    return {k: str(VisitMode(k).label) for k in keys}


@planned_for_values()
def breakdown(dimension: str, *, start: date, end: date, filters: ReportFilters) -> list[tuple]:
    """(key, label, Counter of statuses) per practitioner, specialty, location, service or
    visit mode, busiest first. A practitioner with two specialties counts under both."""
    field = DIMENSIONS[dimension]
    rows = (
        rollup_for(filters, start, end).values(field, "status").annotate(n=Sum("visits")).order_by()
    )
    counts: dict = {}
    for row in rows:
        counts.setdefault(row[field], Counter())[row["status"]] += row["n"]
    labels = _label_of(dimension, counts)
    found = [
        (k, labels.get(k, "No specialty" if k is None else str(k)), c) for k, c in counts.items()
    ]
    return sorted(found, key=lambda item: (-sum(item[2].values()), item[1]))


@dataclass(frozen=True)
class Patients:
    seen: int  # patients with a kept visit in the range
    new: int  # ... whose first kept visit (under the same filters) is in the range

    @property
    def returning(self) -> int:
        return self.seen - self.new


@planned_for_values()
def patients(*, start: date, end: date, filters: ReportFilters) -> Patients:
    """New and returning patients: new when no kept visit (under the same filters: new to
    this practitioner, when one is chosen) started before their first in the range.

    One query: each patient's first kept visit in the range, then one index probe per patient
    for an earlier one (not one per visit).
    """
    kept = appointments_for(filters).filter(status__in=KEPT)
    firsts = on_local_days(kept, start, end).values("patient_id").annotate(first=Min("start"))
    earlier = kept.filter(
        patient_id=RawSQL("p.patient_id", ()), start__lt=RawSQL("p.first", ())
    ).values("pk")
    firsts_sql, firsts_params = firsts.order_by().query.sql_with_params()
    earlier_sql, earlier_params = earlier.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            # Django compiled both queries; every value in them is a parameter.
            f"SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT EXISTS ({earlier_sql})) "  # noqa: S608
            f"FROM ({firsts_sql}) p",
            [*earlier_params, *firsts_params],
        )
        seen, new = cursor.fetchone()
    return Patients(seen=seen, new=new)


@planned_for_values()
def cancellations(*, start: date, end: date, filters: ReportFilters) -> tuple[Counter, Counter]:
    """Cancelled visits by who cancelled them (or moved: rescheduled), and how many of each
    came inside the practitioner's cancellation cut-off (late)."""
    rows = (
        rollup_for(filters, start, end)
        .filter(status=S.CANCELLED)
        .exclude(canceller="")
        .values("canceller", "late")
        .annotate(n=Sum("visits"))
        .order_by()
    )
    by_whom, late = Counter(), Counter()
    for row in rows:
        by_whom[row["canceller"]] += row["n"]
        if row["late"]:
            late[row["canceller"]] += row["n"]
    return by_whom, late


@dataclass(frozen=True)
class Waits:
    count: int
    average_seconds: float | None
    bands: list[tuple[str, int]]


def _waits(qs, *, prefix: str, count: str, seconds: str, bands) -> Waits:
    names = [f"{prefix}_{i}" for i in range(len(bands))]
    sums = qs.aggregate(n=Sum(count), seconds=Sum(seconds), **{name: Sum(name) for name in names})
    n = sums["n"] or 0
    return Waits(
        count=n,
        average_seconds=sums["seconds"] / n if n else None,
        bands=[(label, sums[name] or 0) for name, (_, label) in zip(names, bands, strict=True)],
    )


@planned_for_values()
def lead_times(*, start: date, end: date, filters: ReportFilters) -> Waits:
    """How far ahead kept visits were booked: booking to start."""
    return _waits(
        rollup_for(filters, start, end).filter(status__in=KEPT),
        prefix="lead",
        count="visits",
        seconds="lead_seconds",
        bands=LEAD_BANDS,
    )


@planned_for_values()
def decision_times(*, start: date, end: date, filters: ReportFilters) -> Waits:
    """How long requests waited for the practitioner's answer: request to confirm or reject."""
    return _waits(
        rollup_for(filters, start, end),
        prefix="decision",
        count="decided",
        seconds="decision_seconds",
        bands=DECISION_BANDS,
    )


@dataclass(frozen=True)
class Rates:
    no_show: float | None  # no-shows over visits that fell due (completed or missed)
    late_cancel: float | None  # late cancellations over visits booked (kept or cancelled)


def rates(statuses: Counter, by_whom: Counter, late: Counter) -> Rates:
    """From the range's appointments by status and its cancellations (moves are not lost
    visits, so they count in neither)."""
    due = statuses[S.COMPLETED] + statuses[S.NO_SHOW]
    cancelled = sum(n for who, n in by_whom.items() if who != "moved")
    late_cancelled = sum(n for who, n in late.items() if who != "moved")
    booked = sum(statuses[s] for s in KEPT) + cancelled
    return Rates(
        no_show=statuses[S.NO_SHOW] / due if due else None,
        late_cancel=late_cancelled / booked if booked else None,
    )
