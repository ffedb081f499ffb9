"""CSV for the accountant: each report, and the rows behind it, on each visit's local day."""

import csv
from collections import Counter
from collections.abc import Iterator
from io import StringIO

from carebook.billing.models import CreditNote, Invoice, InvoiceLine
from carebook.core.timeutils import zone
from carebook.reports.periods import WEEKDAYS, period_starts
from carebook.reports.revenue import FIGURES, currencies, revenue
from carebook.reports.selectors import (
    STATUSES,
    ReportFilters,
    appointment_counts,
    appointments_for,
    filtered_by_visit,
    on_local_days,
    peak_hours,
)
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

KINDS = (
    "summary",
    "money",
    "visits",
    "diaries",
    "breakdowns",
    "peak_hours",
    "appointments",
    "invoices",
    "invoice_lines",
    "credit_notes",
)


def _local(instant, tz: str):
    return instant.astimezone(zone(tz))


def summary_rows(start, end, group_by, filters: ReportFilters) -> Iterator[list]:
    counts = appointment_counts(start=start, end=end, group_by=group_by, filters=filters)
    yield ["period_start", *[str(s) for s in STATUSES], "appointments"]
    for key in period_starts(start, end, group_by):
        yield [key.isoformat(), *[counts[key][s] for s in STATUSES], sum(counts[key].values())]


def money_rows(start, end, group_by, filters: ReportFilters) -> Iterator[list]:
    """Per period and currency (one currency is never added to another)."""
    yield ["period_start", "currency", *FIGURES]
    for currency in currencies(start=start, end=end, filters=filters):
        money = revenue(start=start, end=end, group_by=group_by, filters=filters, currency=currency)
        for key in period_starts(start, end, group_by):
            figures = money.get(key, {})
            yield [key.isoformat(), currency, *[figures.get(f, 0) for f in FIGURES]]


def visit_rows(start, end, filters: ReportFilters) -> Iterator[list]:
    """The page's visit figures as (section, figure, value) rows."""
    span = {"start": start, "end": end, "filters": filters}
    people = patients(**span)
    whom, late = cancellations(**span)
    found = rates(sum(appointment_counts(group_by="month", **span).values(), Counter()), whom, late)
    yield ["section", "figure", "value"]
    yield from (["patients", k, getattr(people, k)] for k in ("seen", "new", "returning"))
    yield from (["cancelled_by", who, whom[who]] for who in CANCELLERS)
    yield from (["cancelled_late", who, late[who]] for who in CANCELLERS)
    yield ["rates", "no_show", found.no_show]
    yield ["rates", "late_cancel", found.late_cancel]
    for name, waits in (
        ("lead_time", lead_times(**span)),
        ("decision_time", decision_times(**span)),
    ):
        yield [name, "count", waits.count]
        yield [name, "average_seconds", waits.average_seconds]
        yield from ([name, band, n] for band, n in waits.bands)


def diary_rows(start, end, filters: ReportFilters) -> Iterator[list]:
    yield [
        "practitioner_id",
        "practitioner",
        "offered_minutes",
        "booked_minutes",
        "share",
        "free_slots",
    ]
    for d in utilisation(start=start, end=end, filters=filters):
        yield [
            d.practitioner_id,
            d.name,
            d.offered_minutes,
            d.booked_minutes,
            d.share,
            d.free_slots,
        ]


def breakdown_rows(start, end, filters: ReportFilters) -> Iterator[list]:
    yield ["dimension", "key", "label", *[str(s) for s in STATUSES], "appointments"]
    for dimension in DIMENSIONS:
        for key, label, counts in breakdown(dimension, start=start, end=end, filters=filters):
            yield [dimension, key, label, *[counts[s] for s in STATUSES], sum(counts.values())]


def peak_hour_rows(start, end, filters: ReportFilters) -> Iterator[list]:
    yield ["weekday", *[f"{h:02d}" for h in range(24)]]
    grid = peak_hours(start=start, end=end, filters=filters)
    for day, row in zip(WEEKDAYS, grid, strict=True):
        yield [day, *row]


def appointment_rows(start, end, filters: ReportFilters) -> Iterator[list]:
    """No patient data: what an appointment was, where, with whom, and how it ended."""
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
        on_local_days(appointments_for(filters), start, end)
        .select_related("location", "practitioner__user", "service")
        .order_by("start", "pk")
    )
    for a in qs.iterator(chunk_size=2000):
        tz = a.location.time_zone
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


HEAD_COLUMNS = ["cgst", "sgst", "igst", "vat"]


def _heads(row) -> list:
    return [getattr(row, f"{head}_amount") for head in HEAD_COLUMNS]


def invoice_rows(start, end, filters: ReportFilters) -> Iterator[list]:
    yield [
        "number",
        "issued_local_date",
        "currency",
        "supplier_state",
        "place_of_supply",
        "gstin",
        "patient",
        "practitioner",
        "taxable_value",
        "untaxed_value",
        *HEAD_COLUMNS,
        "round_off",
        "total",
        "status",
    ]
    qs = on_local_days(
        filtered_by_visit(Invoice.objects.all(), filters, "appointment"),
        start,
        end,
        instant="issued_at",
        time_zone="visit_time_zone",
    )
    for i in qs.order_by("issued_at", "pk").iterator(chunk_size=2000):
        yield [
            i.number,
            _local(i.issued_at, i.visit_time_zone).date().isoformat(),
            i.currency,
            i.supplier_state,
            i.place_of_supply,
            i.clinic_gstin,
            i.patient_name,
            i.practitioner_name,
            i.taxable_amount,
            i.untaxed_amount,
            *_heads(i),
            i.round_off,
            i.total,
            i.status,
        ]


def invoice_line_rows(start, end, filters: ReportFilters) -> Iterator[list]:
    """Each invoice line with its code, category, rate and tax: what a GST return is made of."""
    yield [
        "invoice",
        "issued_local_date",
        "currency",
        "line",
        "description",
        "code",
        "category",
        "rate",
        "place_of_supply",
        "value",
        *HEAD_COLUMNS,
    ]
    qs = on_local_days(
        filtered_by_visit(
            InvoiceLine.objects.select_related("invoice"), filters, "invoice__appointment"
        ),
        start,
        end,
        instant="invoice__issued_at",
        time_zone="invoice__visit_time_zone",
    )
    for line in qs.order_by("invoice__issued_at", "invoice_id", "position").iterator(2000):
        i = line.invoice
        yield [
            i.number,
            _local(i.issued_at, i.visit_time_zone).date().isoformat(),
            i.currency,
            line.position,
            line.description,
            line.tax_code,
            line.tax_category,
            line.tax_rate,
            line.place_of_supply,
            line.value,
            *_heads(line),
        ]


def credit_note_rows(start, end, filters: ReportFilters) -> Iterator[list]:
    yield [
        "number",
        "issued_local_date",
        "invoice",
        "currency",
        "amount",
        *HEAD_COLUMNS,
        "reason",
        "refund_status",
    ]
    qs = on_local_days(
        filtered_by_visit(
            CreditNote.objects.select_related("invoice"), filters, "invoice__appointment"
        ),
        start,
        end,
        instant="issued_at",
        time_zone="invoice__visit_time_zone",
    )
    for n in qs.order_by("issued_at", "pk").iterator(chunk_size=2000):
        tz = n.invoice.visit_time_zone
        yield [
            n.number,
            _local(n.issued_at, tz).date().isoformat(),
            n.invoice.number,
            n.invoice.currency,
            n.amount,
            *_heads(n),
            n.reason,
            n.refund_status,
        ]


def csv_lines(kind: str, *, start, end, group_by, filters: ReportFilters) -> Iterator[str]:
    """The CSV text of one export, a line at a time (for a streaming response)."""
    rows = {
        "summary": lambda: summary_rows(start, end, group_by, filters),
        "money": lambda: money_rows(start, end, group_by, filters),
        "invoice_lines": lambda: invoice_line_rows(start, end, filters),
        "visits": lambda: visit_rows(start, end, filters),
        "diaries": lambda: diary_rows(start, end, filters),
        "breakdowns": lambda: breakdown_rows(start, end, filters),
        "peak_hours": lambda: peak_hour_rows(start, end, filters),
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
