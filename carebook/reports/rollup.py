"""Keeping the visits rollup (`VisitRollup`) exact.

A day of one practitioner is the unit: every change to an appointment enqueues
`tasks.rollup_refresh_visit` for its practitioner and local day, in the change's own transaction
(`tasks.appointment_changed`), and the task recomputes that day from the appointments and their
history, then that month from its days. The rollup is exact once the queue has run the task:
its lag is the task queue's (seconds with a worker running). Anything written past the services
(a bulk load, a repair by hand) is put right by `rollup_rebuild` (`manage.py reports_rollup`).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q

from carebook.booking.models import Appointment, AppointmentHistory
from carebook.clinic.models import Location, Practitioner
from carebook.core.timeutils import zone
from carebook.reports.measures import (
    DECISION_BANDS,
    DECISIONS,
    LEAD_BANDS,
    STATUSES,
    Cancel,
    S,
    band,
    canceller,
    is_late,
    seconds_between,
)
from carebook.reports.models import VisitRollup
from carebook.reports.partitions import Partitioned, lock, practitioners_or_all
from carebook.reports.selectors import utc_bounds
from carebook.scheduling.models import BookingRules

KEY = ("location_id", "service_id", "mode", "status", "canceller", "late")
MEASURES = [
    f.name
    for f in VisitRollup._meta.concrete_fields
    if f.name not in {"id", "grain", "day", "practitioner", *(k.removesuffix("_id") for k in KEY)}
]
APPOINTMENT_VALUES = (
    "pk",
    "practitioner_id",
    "patient_id",
    *KEY[:4],
    "start",
    "end",
    "created_at",
)
VISITS = Partitioned(VisitRollup, KEY, tuple(MEASURES))


def local_day(start: datetime, time_zone: str) -> date:
    return start.astimezone(zone(time_zone)).date()


def _people(practitioner_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Per practitioner: their user's pk and cancellation cut-off in hours."""
    default = BookingRules._meta.get_field("cancellation_cutoff_hours").default
    cutoffs = dict(
        BookingRules.objects.filter(practitioner_id__in=practitioner_ids).values_list(
            "practitioner_id", "cancellation_cutoff_hours"
        )
    )
    return {
        pid: (user_id, cutoffs.get(pid, default))
        for pid, user_id in Practitioner.objects.filter(pk__in=practitioner_ids).values_list(
            "pk", "user_id"
        )
    }


def _histories(appointments: Q) -> tuple[dict[int, Cancel], dict[int, list[int]]]:
    """For the appointments `appointments` chooses: the row that cancelled each, and how long
    each answered request had waited (seconds from booking)."""
    cancels: dict[int, Cancel] = {}
    waits: dict[int, list[int]] = defaultdict(list)
    rows = (
        AppointmentHistory.objects.filter(appointments)
        .filter(Q(to_status=S.CANCELLED) | Q(from_status=S.REQUESTED, to_status__in=DECISIONS))
        .values_list(
            "appointment_id",
            "appointment__created_at",
            "to_status",
            "action",
            "by_id",
            "by__role",
            "at",
        )
        .order_by("at", "pk")
    )
    for pk, booked, to_status, action, by_id, role, at in rows:
        if to_status == S.CANCELLED:
            cancels[pk] = Cancel(by_id=by_id, by_role=role, action=action, at=at)
        else:
            waits[pk].append(seconds_between(booked, at))
    return cancels, waits


def _add(row: dict, a: dict, decision_waits: list[int], hour: int) -> None:
    row["visits"] += 1
    row[f"h{hour:02d}"] += 1
    row["seconds"] += seconds_between(a["start"], a["end"])
    lead = seconds_between(a["created_at"], a["start"])
    row["lead_seconds"] += lead
    row[f"lead_{band(lead, LEAD_BANDS)}"] += 1
    for waited in decision_waits:
        row["decided"] += 1
        row["decision_seconds"] += waited
        row[f"decision_{band(waited, DECISION_BANDS)}"] += 1


def day_rows(appointments: list[dict], cancels, waits, zones, people) -> dict[tuple, dict]:
    """The rollup's day rows of these appointments: (practitioner, day, *KEY) -> measures."""
    rows: dict[tuple, dict] = {}
    for a in appointments:
        user_id, cutoff = people[a["practitioner_id"]]
        who, late = "", False
        cancel = cancels.get(a["pk"]) if a["status"] == S.CANCELLED else None
        if cancel is not None:
            who = canceller(cancel, patient_id=a["patient_id"], practitioner_user_id=user_id)
            late = is_late(cancel, start=a["start"], cutoff_hours=cutoff)
        local = a["start"].astimezone(zone(zones[a["location_id"]]))
        day = local.date()
        key = (a["practitioner_id"], day, *(a[k] for k in KEY[:4]), who, late)
        row = rows.get(key)
        if row is None:
            row = rows[key] = VISITS.empty()
        _add(row, a, waits.get(a["pk"], ()), local.hour)
    return rows


def _zones() -> dict[int, str]:
    return dict(Location.objects.values_list("pk", "time_zone"))


@transaction.atomic
def rollup_refresh(*, practitioner_id: int, day: date) -> int:
    """Recompute one practitioner's day (and its month) from the appointments. Returns the
    number of day rows."""
    lock(practitioner_id)
    lo, hi = utc_bounds(day, day)
    zones = _zones()
    appointments = [
        a
        for a in Appointment.objects.filter(
            practitioner_id=practitioner_id, status__in=STATUSES, start__gte=lo, start__lt=hi
        ).values(*APPOINTMENT_VALUES)
        if local_day(a["start"], zones[a["location_id"]]) == day
    ]
    cancels, waits = _histories(Q(appointment_id__in=[a["pk"] for a in appointments]))
    rows = day_rows(appointments, cancels, waits, zones, _people([practitioner_id]))
    VISITS.replace_day(practitioner_id, day, rows)
    return len(rows)


def rollup_rebuild(practitioner_ids: Iterable[int] | None = None, *, batch: int = 2000) -> int:
    """Recompute the whole rollup (or these practitioners'), one practitioner per transaction.
    Returns the number of day rows written."""
    ids = practitioners_or_all(practitioner_ids)
    zones = _zones()
    people = _people(ids)
    written = 0
    for pid in ids:
        with transaction.atomic():
            lock(pid)
            appointments = list(
                Appointment.objects.filter(practitioner_id=pid, status__in=STATUSES)
                .values(*APPOINTMENT_VALUES)
                .order_by()
            )
            cancels, waits = _histories(Q(appointment__practitioner_id=pid))
            rows = day_rows(appointments, cancels, waits, zones, people)
            VISITS.replace_all(pid, rows, batch=batch)
            written += len(rows)
    return written


def rollup_refresh_of(appointment_id: int) -> int:
    """Recompute the day the appointment falls on."""
    practitioner_id, start, time_zone = Appointment.objects.values_list(
        "practitioner_id", "start", "location__time_zone"
    ).get(pk=appointment_id)
    return rollup_refresh(practitioner_id=practitioner_id, day=local_day(start, time_zone))
