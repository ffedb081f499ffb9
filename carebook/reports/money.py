"""Keeping the money rollup (`MoneyRollup`) exact.

Each invoice, credit note and payment counts on the local day of its own moment in the visit's
zone (as the invoice keeps it), under the visit's practitioner, location and service. A change
to an invoice's money (issued, paid, credited, refunded) enqueues `tasks.money_refresh_invoice`
in the change's transaction; the task recomputes every day that invoice touches. Exact once
the queue has run it; `money_rebuild` recomputes everything (`manage.py reports_rollup`).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum

from carebook.billing.models import CreditNote, Invoice, Payment
from carebook.reports.models import MoneyRollup
from carebook.reports.partitions import Partitioned, Rows, lock, practitioners_or_all
from carebook.reports.rollup import local_day
from carebook.reports.selectors import utc_bounds

KEY = ("location_id", "service_id", "currency")
MONEY = Partitioned(
    MoneyRollup,
    KEY,
    tuple(
        f.name
        for f in MoneyRollup._meta.concrete_fields
        if f.name not in {"id", "grain", "day", "practitioner", "location", "service", "currency"}
    ),
)
HEADS = ("cgst", "sgst", "igst", "vat")
ZERO = Decimal("0.00")
SETTLED = {Invoice.Status.PAID, Invoice.Status.PARTIALLY_REFUNDED, Invoice.Status.REFUNDED}
VISIT = ("appointment__practitioner_id", "appointment__location_id", "appointment__service_id")


def _invoices(where: Q) -> list[dict]:
    return list(
        Invoice.objects.filter(where)
        .values(
            "pk",
            *VISIT,
            "currency",
            "visit_time_zone",
            "issued_at",
            "status",
            "taxable_amount",
            "untaxed_amount",
            *(f"{h}_amount" for h in HEADS),
            "round_off",
            "total",
        )
        .order_by()
    )


def _paid(where: Q) -> dict[int, Decimal]:
    """What was paid on each invoice `where` chooses (succeeded payments)."""
    return dict(
        Payment.objects.filter(where, status=Payment.Status.SUCCEEDED, invoice__isnull=False)
        .values("invoice_id")
        .annotate(paid=Sum("amount"))
        .values_list("invoice_id", "paid")
        .order_by()
    )


def _credit_notes(where: Q) -> list[dict]:
    return list(
        CreditNote.objects.filter(where)
        .values(
            *(f"invoice__{v}" for v in VISIT),
            "invoice__currency",
            "invoice__visit_time_zone",
            "issued_at",
            "amount",
            *(f"{h}_amount" for h in HEADS),
        )
        .order_by()
    )


def _payments(where: Q) -> list[dict]:
    return list(
        Payment.objects.filter(
            where,
            status=Payment.Status.SUCCEEDED,
            completed_at__isnull=False,
            invoice__isnull=False,
        )
        .values(*VISIT, "invoice__currency", "invoice__visit_time_zone", "completed_at", "amount")
        .order_by()
    )


def day_rows(invoices, paid, credit_notes, payments, *, only: date | None = None) -> Rows:
    """The money day rows of these records (only those on local day `only`, when given)."""
    rows: Rows = defaultdict(MONEY.empty)

    def row(visit: tuple, currency: str, instant, time_zone: str) -> dict | None:
        day = local_day(instant, time_zone)
        if only is not None and day != only:
            return None
        return rows[(visit[0], day, visit[1], visit[2], currency)]

    for i in invoices:
        r = row(tuple(i[v] for v in VISIT), i["currency"], i["issued_at"], i["visit_time_zone"])
        if r is None:
            continue
        r["invoices"] += 1
        r["invoiced"] += i["taxable_amount"] + i["untaxed_amount"]
        r["untaxed"] += i["untaxed_amount"]
        for head in HEADS:
            r[head] += i[f"{head}_amount"]
        r["round_off"] += i["round_off"]
        r["billed"] += i["total"]
        if i["status"] not in SETTLED:
            r["outstanding"] += max(ZERO, i["total"] - paid.get(i["pk"], ZERO))
    for c in credit_notes:
        visit = tuple(c[f"invoice__{v}"] for v in VISIT)
        r = row(visit, c["invoice__currency"], c["issued_at"], c["invoice__visit_time_zone"])
        if r is None:
            continue
        tax = sum((c[f"{h}_amount"] for h in HEADS), ZERO)
        r["refunded"] += c["amount"] - tax
        for head in HEADS:
            r[f"refunded_{head}"] += c[f"{head}_amount"]
    for p in payments:
        visit = tuple(p[v] for v in VISIT)
        r = row(visit, p["invoice__currency"], p["completed_at"], p["invoice__visit_time_zone"])
        if r is not None:
            r["collected"] += p["amount"]
    return dict(rows)


@transaction.atomic
def money_refresh(*, practitioner_id: int, day: date) -> int:
    """Recompute one practitioner's money day (and its month). Returns the day rows."""
    lock(practitioner_id)
    lo, hi = utc_bounds(day, day)
    visit = Q(appointment__practitioner_id=practitioner_id)
    invoices = _invoices(visit & Q(issued_at__gte=lo, issued_at__lt=hi))
    rows = day_rows(
        invoices,
        _paid(Q(invoice_id__in=[i["pk"] for i in invoices])),
        _credit_notes(
            Q(invoice__appointment__practitioner_id=practitioner_id, issued_at__gte=lo)
            & Q(issued_at__lt=hi)
        ),
        _payments(visit & Q(completed_at__gte=lo, completed_at__lt=hi)),
        only=day,
    )
    MONEY.replace_day(practitioner_id, day, rows)
    return len(rows)


def money_refresh_invoice(invoice_id: int) -> int:
    """Recompute every day the invoice's money falls on: its issue, payments, credit notes."""
    invoice = Invoice.objects.values(
        "appointment__practitioner_id", "visit_time_zone", "issued_at"
    ).get(pk=invoice_id)
    instants = [
        invoice["issued_at"],
        *CreditNote.objects.filter(invoice_id=invoice_id).values_list("issued_at", flat=True),
        *Payment.objects.filter(invoice_id=invoice_id, completed_at__isnull=False).values_list(
            "completed_at", flat=True
        ),
    ]
    days = sorted({local_day(at, invoice["visit_time_zone"]) for at in instants})
    pid = invoice["appointment__practitioner_id"]
    return sum(money_refresh(practitioner_id=pid, day=day) for day in days)


def money_rebuild(practitioner_ids: Iterable[int] | None = None) -> int:
    """Recompute the whole money rollup (or these practitioners'), one practitioner per
    transaction. Returns the number of day rows written."""
    ids = practitioners_or_all(practitioner_ids)
    written = 0
    for pid in ids:
        with transaction.atomic():
            lock(pid)
            visit = Q(appointment__practitioner_id=pid)
            rows = day_rows(
                _invoices(visit),
                _paid(visit),
                _credit_notes(Q(invoice__appointment__practitioner_id=pid)),
                _payments(visit),
            )
            MONEY.replace_all(pid, rows)
            written += len(rows)
    return written
