"""Money per period, on each visit's local day: invoiced (with its tax heads), refunded by
credit note, collected, net of refunds. Money and tax are never one figure.

An invoice and its credit notes count on the local day (in the visit's zone, snapshotted on
the invoice) they were issued; a payment on the day it completed, in its location's zone.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from carebook.billing.models import CreditNote, Invoice, Payment
from carebook.reports.selectors import (
    ReportFilters,
    filtered_by_visit,
    local_period,
    on_local_days,
)

ZERO = Decimal("0.00")
INVOICE_SUMS = {
    "taxable": "taxable_amount",
    "cgst": "cgst_amount",
    "sgst": "sgst_amount",
    "round_off": "round_off",
    "invoiced": "total",
}
FIGURES = ["invoices", *INVOICE_SUMS, "refunded", "collected", "net", "outstanding"]
LABELS = {
    "invoices": "Invoices",
    "taxable": "Taxable (fees and charges)",
    "cgst": "CGST",
    "sgst": "SGST",
    "round_off": "Round-off",
    "invoiced": "Invoiced",
    "refunded": "Refunded (credit notes)",
    "collected": "Collected",
    "net": "Net of refunds",
    "outstanding": "Outstanding (still to be paid)",
}
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _unpaid():
    """What is still owed on an invoice as it stands now: its total less what was paid on it."""
    paid = (
        Payment.objects.filter(invoice=OuterRef("pk"), status=Payment.Status.SUCCEEDED)
        .order_by()
        .values("invoice")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    owed = F("total") - Coalesce(Subquery(paid, output_field=_MONEY), Value(ZERO))
    return Greatest(Value(ZERO), owed, output_field=_MONEY)


def _by_period(
    qs: QuerySet,
    *,
    instant: str,
    time_zone: str,
    sums: dict,
    start: date,
    end: date,
    group_by: str,
) -> dict[date, dict[str, Decimal | int]]:
    """Count and sum `qs` per period of the local date of `instant` in the zone `time_zone`."""
    rows = (
        on_local_days(qs, start, end, instant=instant, time_zone=time_zone)
        .annotate(key=local_period(group_by, instant, time_zone))
        .values("key")
        .annotate(n=Count("id"), **{name: Sum(field) for name, field in sums.items()})
        .order_by()
    )
    return {row.pop("key"): row for row in rows}


def revenue(
    *, start: date, end: date, group_by: str, filters: ReportFilters
) -> dict[date, dict[str, Decimal | int]]:
    """Per period: invoices, taxable, cgst, sgst, round_off, invoiced, refunded, collected, net,
    and outstanding (what is still owed now on the invoices issued in the period)."""
    invoices = _by_period(
        filtered_by_visit(Invoice.objects.all(), filters, "appointment"),
        instant="issued_at",
        time_zone="visit_time_zone",
        sums={**INVOICE_SUMS, "outstanding": _unpaid()},
        start=start,
        end=end,
        group_by=group_by,
    )
    refunds = _by_period(
        filtered_by_visit(CreditNote.objects.all(), filters, "invoice__appointment"),
        instant="issued_at",
        time_zone="invoice__visit_time_zone",
        sums={"refunded": "amount"},
        start=start,
        end=end,
        group_by=group_by,
    )
    payments = _by_period(
        filtered_by_visit(
            Payment.objects.filter(status=Payment.Status.SUCCEEDED, completed_at__isnull=False),
            filters,
            "appointment",
        ),
        instant="completed_at",
        time_zone="appointment__location__time_zone",
        sums={"collected": "amount"},
        start=start,
        end=end,
        group_by=group_by,
    )
    out: dict[date, dict] = defaultdict(lambda: {f: ZERO for f in FIGURES} | {"invoices": 0})
    for key, row in invoices.items():
        out[key]["invoices"] = row["n"]
        for name in [*INVOICE_SUMS, "outstanding"]:
            out[key][name] = row[name] or ZERO
    for key, row in refunds.items():
        out[key]["refunded"] = row["refunded"] or ZERO
    for key, row in payments.items():
        out[key]["collected"] = row["collected"] or ZERO
    for row in out.values():
        row["net"] = row["invoiced"] - row["refunded"]
    return out
