"""CSV for the accountant: each report, and the rows behind it, on each visit's local day."""

import csv
from collections.abc import Iterator
from datetime import date
from io import StringIO

from carebook.billing.models import CreditNote, Invoice
from carebook.core.timeutils import zone
from carebook.reports.periods import period_starts
from carebook.reports.revenue import FIGURES, revenue
from carebook.reports.selectors import (
    STATUSES,
    ReportFilters,
    appointment_counts,
    appointments_for,
    filtered_by_visit,
    utc_bounds,
)

KINDS = ("summary", "appointments", "invoices", "credit_notes")


def _local(instant, tz: str):
    return instant.astimezone(zone(tz))


def _in_range(instant, tz: str, start: date, end: date) -> bool:
    return start <= _local(instant, tz).date() <= end


def summary_rows(start, end, group_by, filters: ReportFilters) -> Iterator[list]:
    counts = appointment_counts(start=start, end=end, group_by=group_by, filters=filters)
    money = revenue(start=start, end=end, group_by=group_by, filters=filters)
    yield ["period_start", *[str(s) for s in STATUSES], "appointments", *FIGURES]
    for key in period_starts(start, end, group_by):
        figures = money.get(key, {})
        yield [
            key.isoformat(),
            *[counts[key][s] for s in STATUSES],
            sum(counts[key].values()),
            *[figures.get(f, 0) for f in FIGURES],
        ]


def appointment_rows(start, end, filters: ReportFilters) -> Iterator[list]:
    """No patient data: what an appointment was, where, with whom, and how it ended."""
    lo, hi = utc_bounds(start, end)
    yield [
        "id",
        "local_date",
        "local_time",
        "time_zone",
        "location",
        "practitioner",
        "service",
        "mode",
        "status",
        "price",
    ]
    qs = (
        appointments_for(filters)
        .filter(start__gte=lo, start__lt=hi)
        .select_related("location", "practitioner__user", "service")
        .order_by("start", "pk")
    )
    for a in qs.iterator(chunk_size=2000):
        tz = a.location.time_zone
        if _in_range(a.start, tz, start, end):
            local = _local(a.start, tz)
            yield [
                a.pk,
                local.date().isoformat(),
                local.strftime("%H:%M"),
                tz,
                a.location.name,
                a.practitioner.display_name,
                a.service.name,
                a.mode,
                a.status,
                a.price,
            ]


def invoice_rows(start, end, filters: ReportFilters) -> Iterator[list]:
    lo, hi = utc_bounds(start, end)
    yield [
        "number",
        "issued_local_date",
        "patient",
        "practitioner",
        "taxable",
        "cgst_rate",
        "cgst",
        "sgst_rate",
        "sgst",
        "round_off",
        "total",
        "status",
    ]
    qs = filtered_by_visit(Invoice.objects.all(), filters, "appointment").filter(
        issued_at__gte=lo, issued_at__lt=hi
    )
    for i in qs.order_by("issued_at", "pk").iterator(chunk_size=2000):
        if _in_range(i.issued_at, i.visit_time_zone, start, end):
            yield [
                i.number,
                _local(i.issued_at, i.visit_time_zone).date().isoformat(),
                i.patient_name,
                i.practitioner_name,
                i.taxable_amount,
                i.cgst_rate,
                i.cgst_amount,
                i.sgst_rate,
                i.sgst_amount,
                i.round_off,
                i.total,
                i.status,
            ]


def credit_note_rows(start, end, filters: ReportFilters) -> Iterator[list]:
    lo, hi = utc_bounds(start, end)
    yield ["number", "issued_local_date", "invoice", "amount", "reason", "refund_status"]
    qs = filtered_by_visit(
        CreditNote.objects.select_related("invoice"), filters, "invoice__appointment"
    ).filter(issued_at__gte=lo, issued_at__lt=hi)
    for n in qs.order_by("issued_at", "pk").iterator(chunk_size=2000):
        tz = n.invoice.visit_time_zone
        if _in_range(n.issued_at, tz, start, end):
            yield [
                n.number,
                _local(n.issued_at, tz).date().isoformat(),
                n.invoice.number,
                n.amount,
                n.reason,
                n.refund_status,
            ]


def csv_lines(kind: str, *, start, end, group_by, filters: ReportFilters) -> Iterator[str]:
    """The CSV text of one export, a line at a time (for a streaming response)."""
    rows = {
        "summary": lambda: summary_rows(start, end, group_by, filters),
        "appointments": lambda: appointment_rows(start, end, filters),
        "invoices": lambda: invoice_rows(start, end, filters),
        "credit_notes": lambda: credit_note_rows(start, end, filters),
    }[kind]()
    for row in rows:
        buffer = StringIO()
        csv.writer(buffer).writerow([csv_safe(v) for v in row])
        yield buffer.getvalue()


def csv_safe(value):
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
