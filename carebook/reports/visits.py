"""How visits went, on each location's local day: by whom and what, who is new, who cancelled
(and how late), no-shows, how far ahead patients book and how long requests wait.

Every figure counts the appointments starting on local dates start..end that `filters` choose.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from carebook.booking.models import AppointmentHistory
from carebook.clinic.models import Location, Practitioner, Service, Specialty, VisitMode
from carebook.core.db import EpochSeconds
from carebook.reports.selectors import (
    ReportFilters,
    S,
    appointments_for,
    filtered_by_visit,
    on_local_days,
)
from carebook.scheduling.models import BookingRules

# Visits that were kept on the diary: seen, or booked and missed.
KEPT = [S.CONFIRMED, S.COMPLETED, S.NO_SHOW]
DIMENSIONS = {
    "practitioner": "practitioner_id",
    "specialty": "practitioner__specialties__slug",
    "location": "location_id",
    "service": "service_id",
    "mode": "mode",
}
CANCELLERS = {
    "patient": "Patient",
    "practitioner": "Practitioner",
    "clinic": "Clinic staff",
    "system": "carebook (automatic)",
    "moved": "Moved to another time",
}
# Upper bounds (seconds, exclusive) of the waiting-time bands, and their names.
LEAD_BANDS = [
    (86400, "same day or next"),
    (3 * 86400, "2–3 days"),
    (7 * 86400, "4–7 days"),
    (14 * 86400, "8–14 days"),
    (30 * 86400, "15–30 days"),
    (None, "over 30 days"),
]
DECISION_BANDS = [
    (3600, "within an hour"),
    (4 * 3600, "1–4 hours"),
    (86400, "4–24 hours"),
    (3 * 86400, "1–3 days"),
    (None, "over 3 days"),
]


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


def breakdown(dimension: str, *, start: date, end: date, filters: ReportFilters) -> list[tuple]:
    """(key, label, Counter of statuses) per practitioner, specialty, location, service or
    visit mode, busiest first. A practitioner with two specialties counts under both."""
    field = DIMENSIONS[dimension]
    rows = (
        on_local_days(appointments_for(filters), start, end)
        .values(field, "status")
        .annotate(n=Count("id", distinct=dimension == "specialty"))
        .order_by()
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


def patients(*, start: date, end: date, filters: ReportFilters) -> Patients:
    """New and returning patients: new when no kept visit (under the same filters: new to
    this practitioner, when one is chosen) started before."""
    kept = on_local_days(appointments_for(filters).filter(status__in=KEPT), start, end)
    earlier = appointments_for(filters).filter(
        status__in=KEPT, patient=OuterRef("patient"), start__lt=OuterRef("start")
    )
    seen = kept.values("patient").distinct().count()
    new = kept.filter(~Exists(earlier)).values("patient").distinct().count()
    return Patients(seen=seen, new=new)


def _cutoff_seconds():
    default = BookingRules._meta.get_field("cancellation_cutoff_hours").default
    return Coalesce(
        F("appointment__practitioner__booking_rules__cancellation_cutoff_hours"), Value(default)
    ) * Value(3600)


def cancellations(*, start: date, end: date, filters: ReportFilters) -> tuple[Counter, Counter]:
    """Cancelled visits by who cancelled them (or moved: rescheduled), and how many of each
    came inside the practitioner's cancellation cut-off (late)."""
    history = AppointmentHistory.objects.filter(to_status=S.CANCELLED)
    rows = (
        on_local_days(
            filtered_by_visit(history, filters, "appointment"),
            start,
            end,
            instant="appointment__start",
            time_zone="appointment__location__time_zone",
        )
        .alias(ahead=EpochSeconds("appointment__start") - EpochSeconds("at"))
        .annotate(
            who=Case(
                When(action="reschedule", then=Value("moved")),
                When(by__isnull=True, then=Value("system")),
                When(by__role="staff", then=Value("clinic")),
                When(by_id=F("appointment__practitioner__user_id"), then=Value("practitioner")),
                When(by_id=F("appointment__patient_id"), then=Value("patient")),
                default=Value("clinic"),
                output_field=CharField(),
            ),
            late=Case(
                When(Q(ahead__lt=_cutoff_seconds()), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .values("who", "late")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_whom, late = Counter(), Counter()
    for row in rows:
        by_whom[row["who"]] += row["n"]
        if row["late"]:
            late[row["who"]] += row["n"]
    return by_whom, late


def _banded(bands):
    """The index of the band the `waited` seconds fall in."""
    return Case(
        *[When(waited__lt=bound, then=Value(i)) for i, (bound, _) in enumerate(bands) if bound],
        default=Value(len(bands) - 1),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class Waits:
    count: int
    average_seconds: float | None
    bands: list[tuple[str, int]]


def _waits(qs, bands) -> Waits:
    rows = qs.annotate(band=_banded(bands)).values("band").annotate(n=Count("id")).order_by()
    per_band = Counter({row["band"]: row["n"] for row in rows})
    average = qs.aggregate(avg=Avg("waited"))["avg"]
    return Waits(
        count=sum(per_band.values()),
        average_seconds=None if average is None else float(average),
        bands=[(name, per_band[i]) for i, (_, name) in enumerate(bands)],
    )


def lead_times(*, start: date, end: date, filters: ReportFilters) -> Waits:
    """How far ahead kept visits were booked: booking to start."""
    qs = on_local_days(appointments_for(filters).filter(status__in=KEPT), start, end).annotate(
        waited=EpochSeconds("start") - EpochSeconds("created_at")
    )
    return _waits(qs, LEAD_BANDS)


def decision_times(*, start: date, end: date, filters: ReportFilters) -> Waits:
    """How long requests waited for the practitioner's answer: request to confirm or reject."""
    decisions = AppointmentHistory.objects.filter(
        from_status=S.REQUESTED, to_status__in=[S.CONFIRMED, S.REJECTED]
    )
    qs = on_local_days(
        filtered_by_visit(decisions, filters, "appointment"),
        start,
        end,
        instant="appointment__start",
        time_zone="appointment__location__time_zone",
    ).annotate(waited=EpochSeconds("at") - EpochSeconds("appointment__created_at"))
    return _waits(qs, DECISION_BANDS)


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
