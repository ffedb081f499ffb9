"""Billing's background work (django-tasks, database backend): arguments are primary keys.

Every task may run more than once (a retry, a reaped task, two workers) and gives money back
once: the credit note is written once per visit, and the gateway refunds under the note's
number as idempotency reference. The gateway is only called here, after commit.
"""

from django.db import transaction
from django_tasks import task

from carebook.billing import ledger
from carebook.billing.models import CreditNote, Payment
from carebook.billing.providers import provider_get, refund_id_or_raise
from carebook.core.tasks import retried


@task()
@retried
def settle_appointment(history_id: int, attempt: int = 1) -> str:
    """Settle the money of a visit that ended (cancelled, rejected, hold expired, no-show)."""
    note = ledger.settlement_open(history_id=history_id)
    if note is None:
        return "nothing to refund"
    note = ledger.credit_note_refund(note=note)
    return f"{note.number}: {note.get_refund_status_display()}"


@task()
@retried
def credit_note_send(credit_note_id: int, attempt: int = 1) -> str:
    """Send the money of a pending credit note back through the gateway."""
    note = CreditNote.objects.filter(pk=credit_note_id).first()
    if note is None:
        return "no such credit note"
    note = ledger.credit_note_refund(note=note)
    return f"{note.number}: {note.get_refund_status_display()}"


@task()
@retried
def charge_reverse(payment_id: int, attempt: int = 1) -> str:
    """Give back a charge that landed after its hold ran out (the payment is marked failed)."""
    payment = Payment.objects.filter(pk=payment_id, status=Payment.Status.FAILED).first()
    if payment is None or not payment.provider_transaction_id:
        return "nothing to reverse"
    if payment.reversal_reference:
        return f"already reversed as {payment.reversal_reference}"
    result = provider_get().refund(
        idempotency_key=f"carebook-payment-{payment.pk}-reversal",
        transaction_id=payment.provider_transaction_id,
        amount=payment.amount,
    )
    reference = refund_id_or_raise(result)  # not refunded: raise, and the task retries
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk, reversal_reference="").update(
            reversal_reference=reference[:64]
        )
    return f"reversed as {reference}"
