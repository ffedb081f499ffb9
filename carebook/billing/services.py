"""Writes of billing: issue invoices, take payments, refund by credit note.

Numbers come from `DocumentSequence`, locked in the same transaction as the document insert, so
a rolled-back issue gives its number back and parallel issuers queue for the next one.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.billing import tasks
from carebook.billing.ledger import (
    credit_note_refund,
    credit_note_write,
    invoice_of,
    lock_appointment,
    next_number,
    paid_amount,
    refresh_status,
    refundable_amount,
)
from carebook.billing.models import (
    BillingSettings,
    CreditNote,
    DocumentSequence,
    Invoice,
    InvoiceLine,
    Payment,
)
from carebook.billing.money import financial_year
from carebook.billing.providers import (
    ChargeResult,
    Outcome,
    PaymentDetails,
    PaymentProvider,
    provider_get,
)
from carebook.billing.selectors import invoice_quote, paid_visit_ended
from carebook.booking import services as booking_services
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.status import party_of
from carebook.clinic.models import Clinic
from carebook.clinic.policy import clinic_policy_update
from carebook.core.errors import IllegalTransition, InvalidInput, PermissionDenied, SlotUnavailable
from carebook.core.events import INVOICE_ISSUED, PAYMENT_CAPTURED, emit
from carebook.core.money import to_minor
from carebook.core.timeutils import now as utcnow
from carebook.core.transactions import atomic_write

logger = logging.getLogger(__name__)

S = Appointment.Status
ZERO = Decimal("0.00")
COUNTER_METHODS = (
    Payment.Method.CASH,
    Payment.Method.CARD,
    Payment.Method.UPI,
    Payment.Method.COUNTER,
)


def _may_issue(appointment: Appointment, by: User | None) -> bool:
    party = party_of(appointment, by) if by is not None else "system"
    if party == "staff" or party == "system":
        return appointment.status in (S.REQUESTED, S.CONFIRMED, S.COMPLETED)
    return party in ("practitioner", "patient") and appointment.status == S.COMPLETED


def _issue(*, appointment: Appointment, by: User | None, now: datetime) -> Invoice:
    """Issue the invoice of a locked appointment (or return the one it, or the booking it was
    moved from, has)."""
    existing = invoice_of(appointment)
    if existing is not None:
        return existing
    priced = invoice_quote(appointment=appointment)
    location = appointment.location
    clinic = Clinic.current()
    year = financial_year(now)
    number = next_number(series=DocumentSequence.Series.INVOICE, year=year)
    lines = {line.charge.kind: line for line in priced.lines}
    charge_line = lines.get("service_charge")
    invoice = Invoice.objects.create(
        number=f"{DocumentSequence.Series.INVOICE}/{year}/{number:06d}",
        financial_year=year,
        sequence_number=number,
        appointment=appointment,
        patient=appointment.patient,
        practitioner=appointment.practitioner,
        patient_name=appointment.patient.full_name,
        patient_email=appointment.patient.email,
        practitioner_name=appointment.practitioner.display_name,
        description=_("%(service)s with %(practitioner)s")
        % {"service": appointment.service.name, "practitioner": appointment.practitioner},
        visit_at=appointment.start,
        visit_time_zone=location.time_zone,
        clinic_name=clinic.name,
        clinic_address=location.address or clinic.address,
        clinic_gstin=(location.gstin or clinic.gstin) if priced.regime == "india_gst" else "",
        currency=priced.currency,
        tax_regime=priced.regime,
        supplier_state=location.gst_state,
        place_of_supply=(charge_line or lines["service"]).place_of_supply,
        consultation_fee=lines["service"].value,
        service_charge=charge_line.value if charge_line else ZERO,
        taxable_amount=priced.taxable_value,
        untaxed_amount=priced.untaxed_value,
        cgst_amount=priced.heads.get("CGST", ZERO),
        sgst_amount=priced.heads.get("SGST", ZERO),
        igst_amount=priced.heads.get("IGST", ZERO),
        vat_amount=priced.heads.get("VAT", ZERO),
        round_off=priced.round_off,
        total=priced.total,
        status=Invoice.Status.PAID if priced.total == 0 else Invoice.Status.ISSUED,
        issued_at=now,
        issued_by=by,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            kind=line.charge.kind,
            description=invoice.description
            if line.charge.kind == "service"
            else line.charge.description,
            tax_code=line.charge.code,
            tax_category=line.charge.category,
            tax_rate=line.charge.rate if line.taxable else ZERO,
            place_of_supply=line.place_of_supply,
            value=line.value,
            cgst_amount=line.heads.get("CGST", ZERO),
            sgst_amount=line.heads.get("SGST", ZERO),
            igst_amount=line.heads.get("IGST", ZERO),
            vat_amount=line.heads.get("VAT", ZERO),
        )
        for position, line in enumerate(priced.lines, start=1)
    )
    emit(INVOICE_ISSUED, invoice=invoice)
    return invoice


@atomic_write
def invoice_issue(
    *, appointment: Appointment, by: User | None, now: datetime | None = None
) -> Invoice:
    """Issue the GST invoice of an appointment; issuing twice returns the first invoice.

    Staff may invoice a booked or completed visit (payment at the counter); the practitioner and
    the patient only a completed one. `by=None` is the system (demo data).
    """
    appointment = lock_appointment(appointment)
    existing = invoice_of(appointment)
    if existing is not None:
        return existing
    if by is not None and party_of(appointment, by) is None:
        raise PermissionDenied()
    if not _may_issue(appointment, by):
        raise IllegalTransition(
            _("A %(status)s appointment cannot be invoiced.")
            % {"status": appointment.get_status_display().lower()}
        )
    return _issue(appointment=appointment, by=by, now=now or utcnow())


@atomic_write
def payment_record(
    *,
    invoice: Invoice,
    method: str,
    by: User,
    amount: Decimal | None = None,
    reference: str = "",
    now: datetime | None = None,
) -> Payment:
    """Record money staff took at the counter; the amount defaults to what is still owed."""
    if not by.is_staff:
        raise PermissionDenied()
    if method not in COUNTER_METHODS:
        raise InvalidInput(_("Choose cash, card, UPI or other."))
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    outstanding = invoice.total - paid_amount(invoice)
    if invoice.credit_notes.exists():
        raise IllegalTransition(_("This invoice has been refunded."))
    if outstanding <= 0:
        raise IllegalTransition(_("This invoice is already paid."))
    amount = outstanding if amount is None else to_minor(amount, invoice.currency)
    if amount <= 0 or amount > outstanding:
        raise InvalidInput(
            _("The amount must be more than zero and at most %(due)s.") % {"due": outstanding}
        )
    now = now or utcnow()
    payment = Payment.objects.create(
        appointment_id=invoice.appointment_id,
        invoice=invoice,
        method=method,
        amount=amount,
        provider="counter",
        provider_transaction_id=reference.strip()[:64],
        status=Payment.Status.SUCCEEDED,
        recorded_by=by,
        created_at=now,
        completed_at=now,
    )
    refresh_status(invoice)
    emit(PAYMENT_CAPTURED, payment=payment)
    return payment


def _lock_hold(appointment: Appointment, by: User, now: datetime) -> Appointment:
    appointment = lock_appointment(appointment)
    if party_of(appointment, by) not in ("patient", "staff"):
        raise PermissionDenied()
    if appointment.status != S.HELD:
        raise IllegalTransition(_("This appointment is not waiting for a payment."))
    if appointment.held_until <= now:
        raise SlotUnavailable(_("The time we kept for you has run out. Please pick a slot again."))
    return appointment


@atomic_write
def payment_start(
    *,
    appointment: Appointment,
    details: PaymentDetails,
    by: User,
    provider: PaymentProvider | None = None,
    now: datetime | None = None,
) -> Payment:
    """Open a pending online payment for a held appointment, for the amount its invoice will be."""
    now = now or utcnow()
    appointment = _lock_hold(appointment, by, now)
    if details.method not in (Payment.Method.CARD, Payment.Method.UPI):
        raise InvalidInput(_("Pay by card or UPI."))
    total = invoice_quote(appointment=appointment).total
    if total <= 0:
        raise InvalidInput(_("There is nothing to pay for this visit."))
    return Payment.objects.create(
        appointment=appointment,
        method=details.method,
        amount=total,
        provider=(provider or provider_get()).name,
        payer_hint=details.payer_hint,
        status=Payment.Status.PENDING,
        recorded_by=by,
        created_at=now,
    )


@atomic_write
def payment_complete(
    *,
    payment: Payment,
    result: ChargeResult,
    by: User,
    provider: PaymentProvider | None = None,
    now: datetime | None = None,
) -> Payment:
    """Record the gateway's answer; on success book the held slot and issue the invoice.

    Declined: the hold stays (the payer may retry until it expires). Timed out: the hold is
    released. Charged after the hold ran out: the charge is reversed and the payment failed.
    Completing a payment twice changes nothing.
    """
    now = now or utcnow()
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != Payment.Status.PENDING:
        return payment
    appointment = lock_appointment(payment.appointment)
    payment.completed_at = now
    payment.provider_transaction_id = result.transaction_id
    payment.message = result.message[:255]
    live = appointment.status == S.HELD and appointment.held_until > now
    if result.outcome == Outcome.SUCCEEDED and live:
        # The paid booking commits in one transaction with the invoice and the payment.
        booking_services.hold_convert(appointment=appointment, by=by, now=now, paid=True)
        invoice = _issue(appointment=appointment, by=by, now=now)
        payment.invoice = invoice
        payment.status = Payment.Status.SUCCEEDED
        payment.save()
        refresh_status(invoice)
        emit(PAYMENT_CAPTURED, payment=payment)
        return payment
    payment.status = Payment.Status.FAILED
    if result.outcome == Outcome.SUCCEEDED:
        payment.message = _("Reversed: the hold ran out before the payment completed.")
        # The gateway is called after commit, by the task, never inside this transaction.
        tasks.charge_reverse.enqueue(payment_id=payment.pk)
    elif result.outcome == Outcome.TIMED_OUT and appointment.status == S.HELD:
        booking_services.hold_release(appointment=appointment, now=now)
    payment.save()
    return payment


@dataclass(frozen=True)
class Checkout:
    payment: Payment
    declined: bool

    @property
    def invoice(self) -> Invoice | None:
        return self.payment.invoice


def payment_checkout(
    *,
    appointment: Appointment,
    details: PaymentDetails,
    by: User,
    provider: PaymentProvider | None = None,
    now=None,
) -> Checkout:
    """Pay for a held appointment online: start, charge through the gateway, complete.

    Not one transaction: the gateway is called between two, holding no locks. Raises
    SlotUnavailable when the hold is gone (expired, or released because the gateway timed out).
    """
    provider = provider or provider_get()
    payment = payment_start(
        appointment=appointment, details=details, by=by, provider=provider, now=now
    )
    result = provider.charge(
        amount=payment.amount, details=details, reference=f"carebook-payment-{payment.pk}"
    )
    payment = payment_complete(payment=payment, result=result, by=by, provider=provider, now=now)
    if payment.status == Payment.Status.SUCCEEDED:
        return Checkout(payment, declined=False)
    if result.outcome == Outcome.DECLINED:
        return Checkout(payment, declined=True)
    if result.outcome == Outcome.TIMED_OUT:
        raise SlotUnavailable(
            _(
                "The payment did not go through in time, so the slot was released. "
                "Nothing was charged."
            )
        )
    raise SlotUnavailable(
        _("The time we kept for you ran out before the payment finished; the charge is reversed.")
    )


def settle_after_change(*, history: AppointmentHistory) -> None:
    """Enqueue the settling of a paid visit that this change ended (in the caller's transaction).

    Subscribed to booking's APPOINTMENT_CHANGED: the task runs after commit, so a change that
    rolls back settles nothing.
    """
    if paid_visit_ended(history):
        tasks.settle_appointment.enqueue(history_id=history.pk)


@atomic_write
def _credit_note_open(
    *, invoice: Invoice, amount: Decimal | None, reason: str, by: User, now: datetime
) -> CreditNote:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    refundable = refundable_amount(invoice)
    if refundable <= 0:
        raise IllegalTransition(_("Nothing is left to refund on this invoice."))
    amount = refundable if amount is None else to_minor(amount, invoice.currency)
    if amount <= 0 or amount > refundable:
        raise InvalidInput(
            _("The amount must be more than zero and at most %(left)s.") % {"left": refundable}
        )
    return credit_note_write(invoice=invoice, amount=amount, reason=reason, by=by, now=now)


def credit_note_issue(
    *,
    invoice: Invoice,
    reason: str,
    by: User,
    amount: Decimal | None = None,
    provider: PaymentProvider | None = None,
    now: datetime | None = None,
) -> CreditNote:
    """Refund (part of) what an invoice received, by credit note; staff only, with a reason.

    `amount=None` refunds everything still refundable (received minus already credited). Not
    one transaction: the note commits first; then the gateway refunds an online payment,
    holding no lock. Should the gateway fail, the note stays pending and a task retries it.
    """
    if not by.is_authenticated or not by.is_staff:
        raise PermissionDenied()
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Please give a reason for the refund."))
    note = _credit_note_open(
        invoice=invoice, amount=amount, reason=reason, by=by, now=now or utcnow()
    )
    if note.refund_status != CreditNote.RefundStatus.PENDING:
        return note
    try:
        return credit_note_refund(note=note, provider=provider)
    except Exception:  # the gateway: the note is written; the task sends the money later
        logger.warning("Refund of %s failed; retrying in a task", note.number, exc_info=True)
        tasks.credit_note_send.enqueue(credit_note_id=note.pk)
        return note


@atomic_write
def billing_settings_update(
    *, settings: BillingSettings, by: User, payment_at_booking: bool | None = None
) -> BillingSettings:
    """Save the clinic's billing rules (they apply to invoices issued from now on) and, when
    given, whether patients pay at booking (a clinic-wide policy)."""
    if not by.is_authenticated or not by.is_staff:
        raise PermissionDenied()
    settings.full_clean()
    settings.save()
    if payment_at_booking is not None:
        clinic_policy_update(by=by, payment_at_booking=payment_at_booking)
    return settings
