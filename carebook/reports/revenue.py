"""Money per period and currency, on each visit's local day: invoiced (the lines' value), each
tax head, refunded by credit note (value and tax apart), collected, net of refunds, outstanding.
Money and tax are never one figure, and one currency is never added to another.

An invoice and its credit notes count on the local day (in the visit's zone, snapshotted on
the invoice) they were issued; a payment on the day it completed, in its location's zone.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from carebook.billing.models import CreditNote, Invoice, Payment
from carebook.reports.selectors import (
    ReportFilters,
    filtered_by_visit,
    local_period,
    on_local_days,
)

ZERO = Decimal("0.00")
HEADS = {"cgst": "cgst_amount", "sgst": "sgst_amount", "igst": "igst_amount", "vat": "vat_amount"}
INVOICE_SUMS = {
    "invoiced": F("taxable_amount") + F("untaxed_amount"),
    "untaxed": "untaxed_amount",
    **HEADS,
    "round_off": "round_off",
    "billed": "total",
}
REFUND_SUMS = {
    "refunded": F("amount") - sum((F(field) for field in HEADS.values()), Value(ZERO)),
    **{f"refunded_{head}": field for head, field in HEADS.items()},
}
FIGURES = [
    "invoices",
    *INVOICE_SUMS,
    *REFUND_SUMS,
    "collected",
    "net",
    "outstanding",
]
LABELS = {
    "invoices": "Invoices",
    "invoiced": "Invoiced (lines' value, without tax)",
    "untaxed": "of which exempt, nil-rated or out of scope",
    "cgst": "CGST",
    "sgst": "SGST",
    "igst": "IGST",
    "vat": "VAT",
    "round_off": "Round-off",
    "billed": "Billed (invoice totals: value, tax and round-off)",
    "refunded": "Refunded by credit note (value, without tax)",
    "refunded_cgst": "CGST taken back",
    "refunded_sgst": "SGST taken back",
    "refunded_igst": "IGST taken back",
    "refunded_vat": "VAT taken back",
    "collected": "Collected (payments received)",
    "net": "Net revenue (invoiced less refunded, without tax)",
    "outstanding": "Outstanding (still to be paid)",
}
# The figures that are tax: shown beside money, never added to it.
TAX_FIGURES = {*HEADS, *(f"refunded_{head}" for head in HEADS)}
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
    settled = [Invoice.Status.PAID, Invoice.Status.PARTIALLY_REFUNDED, Invoice.Status.REFUNDED]
    # A settled invoice owes nothing: only the others look their payments up (most are paid).
    return Case(
        When(status__in=settled, then=Value(ZERO)),
        default=Greatest(Value(ZERO), owed),
        output_field=_MONEY,
    )


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


def currencies(*, start: date, end: date, filters: ReportFilters) -> list[str]:
    """The currencies of the invoices issued on local dates start..end."""
    qs = on_local_days(
        filtered_by_visit(Invoice.objects.all(), filters, "appointment"),
        start,
        end,
        instant="issued_at",
        time_zone="visit_time_zone",
    )
    return sorted(set(qs.values_list("currency", flat=True).order_by()))


def revenue(
    *, start: date, end: date, group_by: str, filters: ReportFilters, currency: str = "INR"
) -> dict[date, dict[str, Decimal | int]]:
    """Per period, in one currency: the FIGURES; outstanding is what is still owed now on the
    invoices issued in the period."""
    invoices = _by_period(
        filtered_by_visit(Invoice.objects.filter(currency=currency), filters, "appointment"),
        instant="issued_at",
        time_zone="visit_time_zone",
        sums={**INVOICE_SUMS, "outstanding": _unpaid()},
        start=start,
        end=end,
        group_by=group_by,
    )
    refunds = _by_period(
        filtered_by_visit(
            CreditNote.objects.filter(invoice__currency=currency), filters, "invoice__appointment"
        ),
        instant="issued_at",
        time_zone="invoice__visit_time_zone",
        sums=REFUND_SUMS,
        start=start,
        end=end,
        group_by=group_by,
    )
    payments = _by_period(
        filtered_by_visit(
            Payment.objects.filter(
                status=Payment.Status.SUCCEEDED,
                completed_at__isnull=False,
                invoice__currency=currency,
            ),
            filters,
            "appointment",
        ),
        instant="completed_at",
        # The visit's zone as its invoice keeps it: no join through every appointment.
        time_zone="invoice__visit_time_zone",
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
        for name in REFUND_SUMS:
            out[key][name] = row[name] or ZERO
    for key, row in payments.items():
        out[key]["collected"] = row["collected"] or ZERO
    for row in out.values():
        row["net"] = row["invoiced"] - row["refunded"]
    return out
