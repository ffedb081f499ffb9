"""Reports over REST, staff only: the same selectors the office pages use."""

from collections import Counter

from django.http import HttpRequest
from ninja import Query, Router

from carebook.core.errors import InvalidInput, PermissionDenied
from carebook.core.schemas import ErrorOut, ValidationErrorOut
from carebook.reports import selectors
from carebook.reports.periods import MAX_PERIODS, WEEKDAYS, period_starts
from carebook.reports.revenue import FIGURES, ZERO, currencies, revenue
from carebook.reports.schemas import (
    AppointmentReportFilters,
    AppointmentReportOut,
    PeakHoursOut,
    ReportFilters,
    RevenueFilters,
    RevenueReportOut,
    VisitsReportOut,
)
from carebook.reports.utilisation import utilisation
from carebook.reports.visits import (
    DIMENSIONS,
    breakdown,
    cancellations,
    decision_times,
    lead_times,
    patients,
    rates,
)

router = Router(tags=["reports"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}


def _checked(request: HttpRequest, filters: ReportFilters) -> selectors.ReportFilters:
    if not request.auth.is_staff:
        raise PermissionDenied()
    if filters.to < filters.from_:
        raise InvalidInput("'to' is before 'from'.")
    return selectors.ReportFilters(
        location_id=filters.location_id,
        practitioner_id=filters.practitioner_id,
        specialty=filters.specialty.strip(),
        service_id=filters.service_id,
    )


def _at_most_five_years(filters: ReportFilters) -> None:
    if (filters.to - filters.from_).days > 366 * 5:
        raise InvalidInput("At most five years.")


def _periods(filters: AppointmentReportFilters) -> list:
    starts = period_starts(filters.from_, filters.to, filters.group_by)
    if len(starts) > MAX_PERIODS[filters.group_by]:
        raise InvalidInput(
            f"At most {MAX_PERIODS[filters.group_by]} periods by {filters.group_by}: "
            "choose a shorter range or a wider grouping."
        )
    return starts


@router.get(
    "/appointments",
    response={200: AppointmentReportOut, **ERRORS},
    summary="Appointments per period and status",
    by_alias=True,
)
def appointments_report(request: HttpRequest, filters: Query[AppointmentReportFilters]):
    """Appointments starting on each location's local dates `from`..`to`, per period."""
    chosen = _checked(request, filters)
    starts = _periods(filters)
    counts = selectors.appointment_counts(
        start=filters.from_, end=filters.to, group_by=filters.group_by, filters=chosen
    )
    statuses = [str(s) for s in selectors.STATUSES]
    return {
        "from": filters.from_,
        "to": filters.to,
        "group_by": filters.group_by,
        "statuses": statuses,
        "periods": [
            {
                "start": key,
                "counts": {s: counts[key][s] for s in statuses},
                "total": sum(counts[key].values()),
            }
            for key in starts
        ],
    }


@router.get(
    "/peak-hours",
    response={200: PeakHoursOut, **ERRORS},
    summary="Visits by weekday and local hour",
    by_alias=True,
)
def peak_hours_report(request: HttpRequest, filters: Query[ReportFilters]):
    """Confirmed and completed visits by weekday x hour, in each location's own time."""
    chosen = _checked(request, filters)
    _at_most_five_years(filters)
    return {
        "from": filters.from_,
        "to": filters.to,
        "location_id": filters.location_id,
        "weekdays": WEEKDAYS,
        "counts": selectors.peak_hours(start=filters.from_, end=filters.to, filters=chosen),
    }


@router.get(
    "/revenue",
    response={200: RevenueReportOut, **ERRORS},
    summary="Money per period: invoiced with its tax heads, refunded, collected, net",
    by_alias=True,
)
def revenue_report(request: HttpRequest, filters: Query[RevenueFilters]):
    """On each visit's local day, in one currency; money and tax are separate figures."""
    chosen = _checked(request, filters)
    starts = _periods(filters)
    found = revenue(
        start=filters.from_,
        end=filters.to,
        group_by=filters.group_by,
        filters=chosen,
        currency=filters.currency,
    )
    empty = dict.fromkeys(FIGURES, ZERO) | {"invoices": 0}
    return {
        "from": filters.from_,
        "to": filters.to,
        "group_by": filters.group_by,
        "currency": filters.currency,
        "currencies": currencies(start=filters.from_, end=filters.to, filters=chosen),
        "periods": [{"start": key, **found.get(key, empty)} for key in starts],
    }


def _waits(found) -> dict:
    return {
        "count": found.count,
        "average_seconds": found.average_seconds,
        "bands": dict(found.bands),
    }


@router.get(
    "/visits",
    response={200: VisitsReportOut, **ERRORS},
    summary="How visits went: patients, cancellations, no-shows, waits, diaries, breakdowns",
    by_alias=True,
)
def visits_report(request: HttpRequest, filters: Query[ReportFilters]):
    """The office page's visit figures for local dates `from`..`to`, inclusive."""
    chosen = _checked(request, filters)
    _at_most_five_years(filters)
    span = {"start": filters.from_, "end": filters.to, "filters": chosen}
    people = patients(**span)
    whom, late = cancellations(**span)
    totals = sum(selectors.appointment_counts(group_by="month", **span).values(), Counter())
    found = rates(totals, whom, late)
    statuses = [str(s) for s in selectors.STATUSES]
    return {
        "from": filters.from_,
        "to": filters.to,
        "patients": {"seen": people.seen, "new": people.new, "returning": people.returning},
        "cancelled_by": dict(whom),
        "cancelled_late": dict(late),
        "no_show_rate": found.no_show,
        "late_cancel_rate": found.late_cancel,
        "lead_time": _waits(lead_times(**span)),
        "decision_time": _waits(decision_times(**span)),
        "utilisation": [
            {
                "practitioner_id": d.practitioner_id,
                "name": d.name,
                "offered_minutes": d.offered_minutes,
                "booked_minutes": d.booked_minutes,
                "share": d.share,
                "free_slots": d.free_slots,
            }
            for d in utilisation(**span)
        ],
        "breakdowns": {
            dimension: [
                {
                    "key": key,
                    "label": label,
                    "counts": {s: c[s] for s in statuses},
                    "total": sum(c.values()),
                }
                for key, label, c in breakdown(dimension, **span)
            ]
            for dimension in DIMENSIONS
        },
    }
