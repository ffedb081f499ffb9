"""One report page's figures for a period, beside the period before: what the office and a
practitioner's own page show (the practitioner's filtered to them)."""

from collections import Counter
from datetime import date

from django.utils.formats import date_format

from carebook.booking.models import Appointment
from carebook.core.db import planned_for_values
from carebook.reports.charts import bar_chart, line_chart
from carebook.reports.periods import period_starts, previous_range
from carebook.reports.revenue import FIGURES, LABELS, TAX_FIGURES, currencies, revenue
from carebook.reports.selectors import STATUSES, ReportFilters, appointment_counts, peak_hours
from carebook.reports.utilisation import utilisation
from carebook.reports.visits import (
    CANCELLERS,
    DIMENSIONS,
    breakdown,
    cancellations,
    decision_times,
    lead_times,
    patients,
    rates,
)

S = Appointment.Status
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@planned_for_values()
def report_summary(*, start: date, end: date, group_by: str, filters: ReportFilters) -> dict:
    """Every table of a reports page."""
    before = previous_range(start, end)
    counts = appointment_counts(start=start, end=end, group_by=group_by, filters=filters)
    earlier = appointment_counts(start=before[0], end=before[1], group_by="month", filters=filters)
    statuses = [str(s) for s in STATUSES]
    keys = period_starts(start, end, group_by)
    return {
        "start": start,
        "end": end,
        "previous": before,
        "group_by": group_by,
        "statuses": [(s, Appointment.Status(s).label) for s in statuses],
        "periods": [(k, [counts[k][s] for s in statuses], sum(counts[k].values())) for k in keys],
        "totals": [
            (label, sum(counts[k][s] for k in counts), sum(earlier[k][s] for k in earlier))
            for s, label in [(s, Appointment.Status(s).label) for s in statuses]
        ],
        "moneys": [
            _money(currency, keys, group_by, start, end, before, filters)
            for currency in currencies(start=start, end=end, filters=filters)
            or currencies(start=before[0], end=before[1], filters=filters)
            or ["INR"]
        ],
        "charts": {"appointments": _appointments_chart(keys, group_by, counts)},
        **visit_figures(start, end, before, filters, counts, earlier),
    }


# The trend chart's stacks: statuses a reader tells apart at a glance.
STACKS = [
    ("Kept", [S.CONFIRMED, S.COMPLETED]),
    ("Requested", [S.REQUESTED]),
    ("No-show", [S.NO_SHOW]),
    ("Cancelled", [S.CANCELLED]),
    ("Rejected or expired", [S.REJECTED, S.EXPIRED]),
]
MONEY_LINES = ["invoiced", "collected", "refunded", "net"]


def _labels(keys, group_by) -> list[str]:
    fmt = {"day": "D j M", "week": "j M", "month": "M Y"}[group_by]
    return [date_format(k, fmt) for k in keys]


def _appointments_chart(keys, group_by, counts) -> dict:
    return bar_chart(
        _labels(keys, group_by),
        [(name, [sum(counts[k][s] for s in group) for k in keys]) for name, group in STACKS],
        title=f"Appointments per {group_by}",
        stacked=True,
    )


def _money(currency, keys, group_by, start, end, before, filters) -> dict:
    """One currency's money section: totals beside the period before, per period, a chart."""
    money = revenue(start=start, end=end, group_by=group_by, filters=filters, currency=currency)
    money_before = revenue(
        start=before[0], end=before[1], group_by="month", filters=filters, currency=currency
    )
    figures = [f for f in FIGURES if f != "invoices"]

    def total(rows, name):
        return sum((r.get(name, 0) for r in rows.values()), 0)

    return {
        "currency": currency,
        "figure_labels": [LABELS[f] for f in figures],
        "periods": [(k, [money[k][f] if k in money else 0 for f in figures]) for k in keys],
        "totals": [
            (LABELS[f], f in TAX_FIGURES, total(money, f), total(money_before, f)) for f in figures
        ],
        "chart": line_chart(
            _labels(keys, group_by),
            [
                (LABELS[f].split(" (")[0], [money[k][f] if k in money else 0 for k in keys])
                for f in MONEY_LINES
            ],
            title=f"Money per {group_by} in {currency}",
            unit=currency,
            chart_id=f"chart-money-{currency.lower()}",
        ),
    }


def _percent(share: float | None) -> float | None:
    return None if share is None else 100 * share


def _status_totals(counts) -> Counter:
    return sum(counts.values(), Counter())


def visit_figures(start, end, before, filters, counts, earlier) -> dict:
    """Who came and how it went, this period beside the one before."""
    span = {"start": start, "end": end, "filters": filters}
    span_before = {"start": before[0], "end": before[1], "filters": filters}
    whom, late = cancellations(**span)
    whom_before, late_before = cancellations(**span_before)
    now = rates(_status_totals(counts), whom, late)
    then = rates(_status_totals(earlier), whom_before, late_before)
    return {
        "cancellers": [
            (label, whom[key], late[key], whom_before[key]) for key, label in CANCELLERS.items()
        ],
        "rates": [
            ("No-show rate", _percent(now.no_show), _percent(then.no_show)),
            ("Late-cancellation rate", _percent(now.late_cancel), _percent(then.late_cancel)),
        ],
        "waits": [
            ("Booked ahead: from booking to visit", lead_times(**span)),
            ("Requests: from asking to the practitioner's answer", decision_times(**span)),
        ],
    }


@planned_for_values()
def patient_figures(*, start: date, end: date, filters: ReportFilters) -> dict:
    """New and returning patients, this period beside the one before (a section of its own:
    the page asks for it after the rest)."""
    before = previous_range(start, end)
    now = patients(start=start, end=end, filters=filters)
    then = patients(start=before[0], end=before[1], filters=filters)
    return {
        "patients": [
            ("New", now.new, then.new),
            ("Returning", now.returning, then.returning),
            ("All seen", now.seen, then.seen),
        ],
        "filtered": filters != ReportFilters(),
    }


def peak_figures(*, start: date, end: date, filters: ReportFilters) -> dict:
    """The weekday x hour heat map of visits, darker where busier (a section of its own)."""
    grid = peak_hours(start=start, end=end, filters=filters)
    top = max((n for row in grid for n in row), default=0)
    return {
        "heat": [
            (day, [(n, 0 if not top else min(4, (4 * n + top - 1) // top)) for n in row])
            for day, row in zip(WEEKDAYS, grid, strict=True)
        ],
        "hours": list(range(24)),
    }


@planned_for_values()
def breakdown_figures(*, start: date, end: date, filters: ReportFilters) -> dict:
    """Appointments by practitioner, specialty, location, service and visit mode, each by
    status (a section of its own: with 200 practitioners, long tables)."""
    statuses = [str(s) for s in STATUSES]
    return {
        "statuses": [(s, Appointment.Status(s).label) for s in statuses],
        "breakdowns": [
            (
                dimension,
                [
                    (label, [c[s] for s in statuses], sum(c.values()))
                    for _key, label, c in breakdown(
                        dimension, start=start, end=end, filters=filters
                    )
                ],
            )
            for dimension in DIMENSIONS
        ],
    }


def diary_figures(*, start: date, end: date, filters: ReportFilters) -> dict:
    """How full each practitioner's diary was (a section of its own)."""
    return {"diaries": utilisation(start=start, end=end, filters=filters)}


# The sections a reports page loads after its first answer: name -> figures.
SECTIONS = {
    "patients": patient_figures,
    "peak-hours": peak_figures,
    "breakdowns": breakdown_figures,
    "diaries": diary_figures,
}
# ... and the template each is written with.
SECTION_TEMPLATES = {
    "patients": "reports/_patients.html",
    "peak-hours": "reports/_peak.html",
    "breakdowns": "reports/_breakdowns.html",
    "diaries": "reports/_diaries.html",
}
