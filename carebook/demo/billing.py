"""Billing for the demo clinic: invoices and counter payments for its past completed visits,
in rupees and in pounds, and a goodwill credit note in each.

Idempotent: a visit that already has an invoice is left alone, so a second run changes nothing.
"""

from carebook.accounts.models import User
from carebook.billing.models import BillingSettings, CreditNote, Invoice, Payment
from carebook.billing.services import (
    billing_settings_update,
    credit_note_issue,
    invoice_issue,
    payment_record,
)
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.core.money import minor_unit
from carebook.demo.logins import STAFF_LOGIN
from carebook.reports.money import money_rebuild

METHODS = (Payment.Method.UPI, Payment.Method.CASH, Payment.Method.CARD)


def seed_billing() -> int:
    """Invoice and settle every completed demo visit that has no invoice; return how many."""
    staff = User.objects.filter(email=STAFF_LOGIN[0]).first()
    if staff is None:
        return 0
    if not BillingSettings.objects.exists():
        # The demo shows the online journey: patients pay with the simulated gateway.
        billing_settings_update(
            settings=BillingSettings.current(), by=staff, payment_at_booking=True
        )
    completed = (
        AppointmentHistory.objects.filter(
            to_status=Appointment.Status.COMPLETED,
            appointment__status=Appointment.Status.COMPLETED,
        )
        .exclude(appointment__in=Invoice.objects.values("appointment"))
        .select_related("appointment")
        .order_by("at", "pk")
    )
    made = 0
    for row in completed:
        invoice = invoice_issue(appointment=row.appointment, by=staff, now=row.at)
        if invoice.total > 0:
            payment_record(
                invoice=invoice,
                method=METHODS[row.appointment_id % len(METHODS)],
                by=staff,
                now=row.at,
            )
        made += 1
    _goodwill_credits(staff)
    if made:
        money_rebuild()  # the reports count it now, without waiting for the worker
    return made


def _goodwill_credits(staff: User) -> None:
    """One partial refund by credit note in each currency invoiced, once."""
    for currency in Invoice.objects.values_list("currency", flat=True).distinct().order_by():
        invoices = Invoice.objects.filter(currency=currency, status=Invoice.Status.PAID)
        if CreditNote.objects.filter(invoice__currency=currency).exists():
            continue
        invoice = invoices.order_by("-total", "pk").first()
        if invoice is not None:
            credit_note_issue(
                invoice=invoice,
                amount=(invoice.total / 10).quantize(minor_unit(currency)),
                reason="Goodwill: the visit started 40 minutes late",
                by=staff,
                now=invoice.issued_at,
            )
