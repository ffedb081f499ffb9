"""Money per period and currency, on each visit's local day: invoiced (the lines' value), each
tax head, refunded by credit note (value and tax apart), collected, net of refunds, outstanding.
Money and tax are never one figure, and one currency is never added to another.

An invoice and its credit notes count on the local day (in the visit's zone, snapshotted on
the invoice) they were issued; a payment on the day it completed, in the same zone. The
figures are read from the money rollup (`carebook.reports.money` keeps it).
"""

from datetime import date
from decimal import Decimal

from django.db.models import Sum

from carebook.core.db import planned_for_values
from carebook.reports.models import MoneyRollup
from carebook.reports.selectors import (
    ROLLUP_PERIOD,
    ReportFilters,
    filtered_by_visit,
    rollup_span,
)

ZERO = Decimal("0.00")
HEADS = ["cgst", "sgst", "igst", "vat"]
FIGURES = [
    "invoices",
    "invoiced",
    "untaxed",
    *HEADS,
    "round_off",
    "billed",
    "refunded",
    *(f"refunded_{head}" for head in HEADS),
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


def _money_rows(start: date, end: date, filters: ReportFilters, *, by_day: bool):
    return filtered_by_visit(
        MoneyRollup.objects.filter(rollup_span(start, end, by_day=by_day)), filters
    )


@planned_for_values()
def currencies(*, start: date, end: date, filters: ReportFilters) -> list[str]:
    """The currencies of the invoices issued on local dates start..end."""
    rows = _money_rows(start, end, filters, by_day=False).filter(invoices__gt=0)
    return sorted(set(rows.values_list("currency", flat=True).order_by()))


@planned_for_values()
def revenue(
    *, start: date, end: date, group_by: str, filters: ReportFilters, currency: str = "INR"
) -> dict[date, dict[str, Decimal | int]]:
    """Per period, in one currency: the FIGURES; outstanding is what is still owed now on the
    invoices issued in the period."""
    sums = [f for f in FIGURES if f != "net"]
    rows = (
        _money_rows(start, end, filters, by_day=group_by != "month")
        .filter(currency=currency)
        .annotate(key=ROLLUP_PERIOD[group_by])
        .values("key")
        .annotate(**{f"sum_{f}": Sum(f) for f in sums})
        .order_by()
    )
    out: dict[date, dict] = {}
    for row in rows:
        figures = {f: row[f"sum_{f}"] or (0 if f == "invoices" else ZERO) for f in sums}
        figures["net"] = figures["invoiced"] - figures["refunded"]
        out[row["key"]] = figures
    return out
