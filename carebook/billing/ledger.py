"""The billing ledger: document numbers, what an invoice received and gave back, credit notes.

Shared by the services (staff actions) and the tasks (settling a visit that ended), so it imports
neither. Money goes back in two steps, never with a database transaction open around the
gateway: one transaction decides and writes the credit note ("pending" for an online payment);
after commit the gateway refunds under the note's number as idempotency reference, and a short
second transaction records its reference. Repeating either step changes nothing.
"""

from datetime import datetime
from decimal import Decimal

from django.db.models import Sum

from carebook.accounts.models import User
from carebook.billing.models import (
    BillingSettings,
    CreditNote,
    DocumentSequence,
    Invoice,
    Payment,
)
from carebook.billing.money import financial_year
from carebook.billing.providers import PaymentProvider, provider_get, refund_id_or_raise
from carebook.billing.selectors import booking_chain, settlement_refund
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.core.events import CREDIT_NOTE_ISSUED, PAYMENT_REFUNDED, emit
from carebook.core.money import to_minor
from carebook.core.timeutils import now as utcnow
from carebook.core.transactions import atomic_write

ZERO = Decimal("0.00")


def next_number(*, series: str, year: str) -> int:
    """Take the next number of `series` in `year`; the row stays locked until commit."""
    # ON CONFLICT DO NOTHING: the first issuer of a year creates the row, the others wait for it.
    DocumentSequence.objects.bulk_create(
        [DocumentSequence(series=series, financial_year=year)], ignore_conflicts=True
    )
    seq = DocumentSequence.objects.select_for_update().get(series=series, financial_year=year)
    seq.last_number += 1
    seq.save(update_fields=["last_number"])
    return seq.last_number


def lock_appointment(appointment: Appointment | int) -> Appointment:
    pk = appointment if isinstance(appointment, int) else appointment.pk
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "practitioner__user", "service", "location")
        .get(pk=pk)
    )


def invoice_of(appointment: Appointment, *, lock: bool = False) -> Invoice | None:
    """The invoice of this appointment or of the booking it was rescheduled from."""
    chain = booking_chain(appointment.pk)
    qs = Invoice.objects.filter(appointment_id__in=chain)
    found = {i.appointment_id: i for i in (qs.select_for_update() if lock else qs)}
    return next((found[a] for a in chain if a in found), None)


def paid_amount(invoice: Invoice) -> Decimal:
    return (
        invoice.payments.filter(status=Payment.Status.SUCCEEDED).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )


def credited_amount(invoice: Invoice) -> Decimal:
    return invoice.credit_notes.aggregate(s=Sum("amount"))["s"] or ZERO


def refundable_amount(invoice: Invoice) -> Decimal:
    """What may still be given back: received minus already credited."""
    return to_minor(max(paid_amount(invoice) - credited_amount(invoice), ZERO), invoice.currency)


def refresh_status(invoice: Invoice) -> None:
    paid, credited = paid_amount(invoice), credited_amount(invoice)
    st = Invoice.Status
    if credited > 0:
        status = st.REFUNDED if credited >= paid else st.PARTIALLY_REFUNDED
    elif paid >= invoice.total:
        status = st.PAID
    elif paid > 0:
        status = st.PARTIALLY_PAID
    else:
        status = st.ISSUED
    if status != invoice.status:
        invoice.status = status
        invoice.save(update_fields=["status"])


def credit_note_write(
    *,
    invoice: Invoice,
    amount: Decimal,
    reason: str,
    by: User | None,
    now: datetime,
    settles: Appointment | None = None,
) -> CreditNote:
    """Write a credit note on a locked invoice (inside the caller's transaction).

    Money paid online is refunded to the latest online payment, after commit ("pending" until
    then); otherwise it is handed back at the counter.
    """
    online = (
        invoice.payments.filter(status=Payment.Status.SUCCEEDED)
        .exclude(provider="counter")
        .order_by("-pk")
        .first()
    )
    year = financial_year(now)
    number = next_number(series=DocumentSequence.Series.CREDIT_NOTE, year=year)
    taken_back = credited_tax(invoice, amount)
    note = CreditNote.objects.create(
        number=f"{DocumentSequence.Series.CREDIT_NOTE}/{year}/{number:06d}",
        financial_year=year,
        sequence_number=number,
        invoice=invoice,
        amount=amount,
        **{f"{head.lower()}_amount": tax for head, tax in taken_back.items()},
        reason=reason[:255],
        payment=online,
        refund_status=(
            CreditNote.RefundStatus.PENDING
            if online is not None
            else CreditNote.RefundStatus.AT_COUNTER
        ),
        settles=settles,
        issued_at=now,
        issued_by=by,
    )
    refresh_status(invoice)
    emit(CREDIT_NOTE_ISSUED, credit_note=note)
    return note


def credited_tax(invoice: Invoice, amount: Decimal) -> dict[str, Decimal]:
    """The tax a credit note of `amount` takes back, head by head: the invoice's tax in the
    proportion of its total credited once this note is added, less what earlier notes took
    back. Cumulative, so partial refunds never take back more tax than the invoice charged."""
    if not invoice.total:
        return {}
    notes = invoice.credit_notes.all()
    before = credited_amount(invoice)
    share = min(before + amount, invoice.total) / invoice.total
    out = {}
    for head, tax in invoice.heads:
        if tax:
            taken = sum((getattr(n, f"{head.lower()}_amount") for n in notes), ZERO)
            out[head] = max(ZERO, to_minor(tax * share, invoice.currency) - taken)
    return out


@atomic_write
def settlement_open(*, history_id: int, now: datetime | None = None) -> CreditNote | None:
    """Credit what the clinic's policy gives back for a visit that ended with this change.

    Returns the settling credit note (the same one however often it runs), or None when
    nothing is due: nothing paid, already credited, or the policy refunds nothing.
    """
    history = AppointmentHistory.objects.filter(pk=history_id).first()
    if history is None:
        return None
    appointment = lock_appointment(history.appointment_id)
    invoice = invoice_of(appointment, lock=True)
    if invoice is None:
        return None
    existing = CreditNote.objects.filter(settles=appointment).first()
    if existing is not None:
        return existing
    refund = settlement_refund(
        history=history,
        appointment=appointment,
        refundable=refundable_amount(invoice),
        rules=BillingSettings.current(),
    )
    if refund is None:
        return None
    return credit_note_write(
        invoice=invoice,
        amount=refund.amount,
        reason=refund.reason,
        by=None,
        now=now or utcnow(),
        settles=appointment,
    )


@atomic_write
def refund_record(*, note: CreditNote, reference: str, now: datetime | None = None) -> CreditNote:
    """Record the gateway's refund reference on a pending credit note (once)."""
    note = CreditNote.objects.select_for_update().get(pk=note.pk)
    if note.refund_status == CreditNote.RefundStatus.PENDING:
        note.refund_status = CreditNote.RefundStatus.REFUNDED
        note.refund_reference = reference[:64]
        note.refunded_at = now or utcnow()
        note.save(update_fields=["refund_status", "refund_reference", "refunded_at"])
        emit(PAYMENT_REFUNDED, credit_note=note)
    return note


def credit_note_refund(*, note: CreditNote, provider: PaymentProvider | None = None) -> CreditNote:
    """Send a pending credit note's money back through the gateway, after its commit.

    The note's number is the idempotency reference: a repeated call (a retry, two workers)
    makes the gateway refund once. Call it outside any transaction: it holds no lock while the
    gateway answers.
    """
    note = CreditNote.objects.select_related("payment").get(pk=note.pk)
    if note.refund_status != CreditNote.RefundStatus.PENDING:
        return note
    result = (provider or provider_get()).refund(
        idempotency_key=note.number,
        transaction_id=note.payment.provider_transaction_id,
        amount=note.amount,
    )
    # Not refunded (declined, or try again): RefundFailed, and the task retries under the number.
    return refund_record(note=note, reference=refund_id_or_raise(result))
