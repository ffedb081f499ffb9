"""Revenue per period against a naive sum of the same invoices, credit notes and payments."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from carebook.accounts.tests.factories import StaffFactory
from carebook.billing import ledger
from carebook.billing.models import CreditNote, Invoice, Payment
from carebook.billing.services import credit_note_issue
from carebook.billing.tests.factories import RecordingGateway, issued_invoice, paid_booking
from carebook.core.tests.tasks import run_worker
from carebook.core.timeutils import now as utcnow
from carebook.core.timeutils import zone
from carebook.reports.periods import period_start
from carebook.reports.revenue import revenue
from carebook.reports.selectors import ReportFilters

pytestmark = pytest.mark.django_db


def naive(start, end, group_by):
    out = defaultdict(lambda: defaultdict(Decimal))

    def key(instant, tz):
        day = instant.astimezone(zone(tz)).date()
        return period_start(day, group_by) if start <= day <= end else None

    for i in Invoice.objects.all():
        if k := key(i.issued_at, i.visit_time_zone):
            out[k]["invoices"] += 1
            out[k]["invoiced"] += i.taxable_amount + i.untaxed_amount
            out[k]["untaxed"] += i.untaxed_amount
            out[k]["cgst"] += i.cgst_amount
            out[k]["sgst"] += i.sgst_amount
            out[k]["igst"] += i.igst_amount
            out[k]["billed"] += i.total
            paid = sum(p.amount for p in i.payments.filter(status="succeeded"))
            out[k]["outstanding"] += max(Decimal("0.00"), i.total - paid)
    for n in CreditNote.objects.select_related("invoice"):
        if k := key(n.issued_at, n.invoice.visit_time_zone):
            out[k]["refunded"] += n.amount - n.cgst_amount - n.sgst_amount - n.igst_amount
            out[k]["refunded_cgst"] += n.cgst_amount
    for p in Payment.objects.filter(status="succeeded").select_related("appointment__location"):
        if k := key(p.completed_at, p.appointment.location.time_zone):
            out[k]["collected"] += p.amount
    return out


@pytest.mark.parametrize("group_by", ["day", "week", "month"])
def test_revenue_matches_a_naive_sum_and_keeps_tax_apart(group_by, monkeypatch):
    monkeypatch.setattr(ledger, "provider_get", lambda: RecordingGateway())
    first = issued_invoice()
    second = paid_booking().invoice
    credit_note_issue(
        invoice=second, amount=Decimal("100.00"), reason="Goodwill", by=StaffFactory()
    )
    run_worker()  # the money days are recomputed by the task queue
    start = (utcnow() - timedelta(days=3)).date()
    end = (utcnow() + timedelta(days=3)).date()
    got = revenue(start=start, end=end, group_by=group_by, filters=ReportFilters())
    expected = naive(start, end, group_by)
    assert set(got) == set(expected)
    for key, row in expected.items():
        for name, value in row.items():
            assert got[key][name] == value, (key, name)
        assert got[key]["net"] == row["invoiced"] - row["refunded"]
    total = sum(r["billed"] for r in got.values())
    assert total == first.total + second.total
    assert sum(r["cgst"] + r["sgst"] for r in got.values()) == (
        first.cgst_amount + first.sgst_amount + second.cgst_amount + second.sgst_amount
    )
    only_first = revenue(
        start=start,
        end=end,
        group_by=group_by,
        filters=ReportFilters(practitioner_id=first.practitioner_id),
    )
    assert sum(r["billed"] for r in only_first.values()) == first.total
    assert (
        revenue(start=start, end=end, group_by=group_by, filters=ReportFilters(), currency="GBP")
        == {}
    )
