"""Settling the money of a visit that ended: after commit, in a task, once."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from carebook.accounts.tests.factories import StaffFactory
from carebook.billing import ledger, tasks
from carebook.billing.models import BillingSettings, CreditNote, Invoice, Payment
from carebook.billing.providers import ChargeResult, Outcome
from carebook.billing.services import (
    credit_note_issue,
    invoice_issue,
    payment_complete,
    payment_record,
    payment_start,
)
from carebook.billing.tests.factories import (
    CARD,
    RecordingGateway,
    booked,
    held,
    issued_invoice,
    local_start,
    paid_booking,
    pay_at_booking,
    run_billing_tasks,
)
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.services import (
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_mark_no_show,
    appointment_reject,
    appointment_reschedule,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def gateway(monkeypatch):
    recording = RecordingGateway()
    monkeypatch.setattr(ledger, "provider_get", lambda: recording)
    monkeypatch.setattr(tasks, "provider_get", lambda: recording)
    return recording


def settle_tasks() -> int:
    return DBTaskResult.objects.filter(
        task_path="carebook.billing.tasks.settle_appointment"
    ).count()


def test_rejecting_a_paid_request_refunds_it_in_full(clinic, gateway):
    appointment = paid_booking()
    assert appointment.status == Appointment.Status.REQUESTED
    invoice = appointment.invoice
    appointment_reject(
        appointment=appointment, by=appointment.practitioner.user, reason="On leave that day"
    )
    run_billing_tasks()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.REFUNDED
    note = CreditNote.objects.get(invoice=invoice)
    assert note.amount == D("649.00")
    assert note.refund_status == CreditNote.RefundStatus.REFUNDED
    assert note.refund_reference.startswith("sim_rfnd_")
    assert note.payment == Payment.objects.get(status=Payment.Status.SUCCEEDED)
    (refund,) = gateway.refunds
    assert (refund["transaction_id"], refund["amount"], refund["reference"]) == (
        note.payment.provider_transaction_id,
        D("649.00"),
        note.number,
    )


def test_cancelling_early_refunds_in_full_after_commit_without_touching_the_invoice(
    clinic, gateway
):
    appointment = paid_booking(start=local_start(3))
    invoice = appointment.invoice
    before = Invoice.objects.filter(pk=invoice.pk).values(
        "total", "taxable_amount", "cgst_amount", "sgst_amount", "number"
    )[0]
    appointment_cancel(appointment=appointment, by=appointment.patient)
    # Nothing is refunded inside the cancel: the task does it after commit.
    assert not CreditNote.objects.exists() and gateway.refunds == []
    assert settle_tasks() == 1
    run_billing_tasks()
    note = CreditNote.objects.get()
    assert note.amount == D("649.00")
    assert note.number.startswith("CB-CN/") and note.number.endswith("/000001")
    assert note.refund_reference.startswith("sim_rfnd_")
    assert note.settles_id == appointment.pk
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.REFUNDED
    after = Invoice.objects.filter(pk=invoice.pk).values(*before)[0]
    assert after == before


def test_settling_twice_writes_one_credit_note_and_refunds_once(clinic, gateway):
    appointment = paid_booking(start=local_start(3))
    appointment_cancel(appointment=appointment, by=appointment.patient)
    history = AppointmentHistory.objects.get(appointment=appointment, action="cancel")
    tasks.settle_appointment.enqueue(history_id=history.pk)  # a duplicate, as a retry makes
    assert settle_tasks() == 2
    run_billing_tasks()
    tasks.settle_appointment.call(history_id=history.pk)
    assert CreditNote.objects.count() == 1
    assert len(gateway.refunds) == 1


def test_a_refund_the_gateway_failed_is_retried_under_the_same_reference(clinic, gateway, settings):
    settings.CAREBOOK_TASK_RETRY_BACKOFF_SECONDS = 0
    gateway.fail = 1
    appointment = paid_booking(start=local_start(3))
    appointment_cancel(appointment=appointment, by=appointment.patient)
    failed = run_billing_tasks(allow_failures=True)
    assert len(failed) == 1
    note = CreditNote.objects.get()
    # The first run wrote the note and left it pending; the retry refunds it.
    run_billing_tasks()
    note.refresh_from_db()
    assert note.refund_status == CreditNote.RefundStatus.REFUNDED
    assert CreditNote.objects.count() == 1
    assert [r["reference"] for r in gateway.refunds] == [note.number, note.number]


def test_cancelling_late_refunds_nothing(clinic, gateway):
    appointment = paid_booking(start=local_start(2, 10))
    with time_machine.travel(appointment.start - timedelta(hours=23), tick=False):
        appointment_cancel(appointment=appointment, by=StaffFactory())
    run_billing_tasks()
    assert not CreditNote.objects.exists()
    assert gateway.refunds == []
    assert Invoice.objects.get().status == Invoice.Status.PAID


def test_refund_policy_hours_come_from_the_settings(clinic, gateway):
    pay_at_booking(full_refund_hours=2)
    appointment = paid_booking(start=local_start(2, 10))
    with time_machine.travel(appointment.start - timedelta(hours=3), tick=False):
        appointment_cancel(appointment=appointment, by=StaffFactory())
    run_billing_tasks()
    assert CreditNote.objects.get().amount == D("649.00")


def test_changes_that_do_not_end_a_paid_visit_settle_nothing(clinic, gateway):
    appointment = paid_booking(start=local_start(3))
    appointment_confirm(appointment=appointment, by=appointment.practitioner.user)
    unpaid = booked()
    appointment_cancel(appointment=unpaid, by=unpaid.patient)  # nothing was paid
    assert settle_tasks() == 0
    confirm = AppointmentHistory.objects.get(appointment=appointment, action="confirm")
    assert ledger.settlement_open(history_id=confirm.pk) is None
    assert not CreditNote.objects.exists()


def test_credit_notes_have_their_own_gapless_series(clinic, gateway):
    for hour in (10, 11):
        appointment = paid_booking(start=local_start(3, hour))
        appointment_cancel(appointment=appointment, by=appointment.patient)
    run_billing_tasks()
    assert sorted(CreditNote.objects.values_list("sequence_number", flat=True)) == [1, 2]
    assert sorted(Invoice.objects.values_list("sequence_number", flat=True)) == [1, 2]


def test_a_paid_visit_that_is_moved_keeps_its_invoice_and_is_not_refunded(clinic, gateway):
    appointment = paid_booking(start=local_start(3))
    invoice = appointment.invoice
    moved = appointment_reschedule(
        appointment=appointment, start=appointment.start + timedelta(days=1), by=appointment.patient
    )
    assert settle_tasks() == 0
    run_billing_tasks()
    assert not CreditNote.objects.exists()
    assert invoice_issue(appointment=moved, by=StaffFactory()).pk == invoice.pk
    appointment_cancel(appointment=moved, by=moved.patient)  # early: refunded in full
    run_billing_tasks()
    assert CreditNote.objects.get().invoice == invoice
    assert len(gateway.refunds) == 1


def _no_show(appointment):
    appointment_confirm(appointment=appointment, by=appointment.practitioner.user)
    later = appointment.start + timedelta(minutes=20)
    with time_machine.travel(later, tick=False):
        appointment_mark_no_show(appointment=appointment, by=appointment.practitioner.user)


def test_a_no_show_is_not_refunded_unless_the_clinic_says_so(clinic, gateway):
    assert BillingSettings._meta.get_field("refund_no_show").default is False
    _no_show(paid_booking(start=local_start(3, 10)))
    run_billing_tasks()
    assert not CreditNote.objects.exists()
    pay_at_booking(refund_no_show=True)
    _no_show(paid_booking(start=local_start(3, 11)))
    run_billing_tasks()
    assert CreditNote.objects.get().amount == D("649.00")


def test_a_completed_visit_is_not_settled(clinic, gateway):
    appointment = paid_booking(start=local_start(3))
    appointment_confirm(appointment=appointment, by=appointment.practitioner.user)
    with time_machine.travel(appointment.start + timedelta(minutes=40), tick=False):
        appointment_complete(appointment=appointment, by=appointment.practitioner.user)
    assert settle_tasks() == 0


def test_settling_refunds_only_what_staff_have_not_refunded_yet(clinic, gateway):
    appointment = paid_booking(start=local_start(3))
    invoice = appointment.invoice
    credit_note_issue(invoice=invoice, amount=D("100"), reason="Late start", by=StaffFactory())
    appointment_cancel(appointment=appointment, by=appointment.patient)
    run_billing_tasks()
    assert sorted(CreditNote.objects.values_list("amount", flat=True)) == [D("100"), D("549")]
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.REFUNDED


def test_a_counter_payment_is_credited_to_be_paid_back_at_the_counter(clinic, gateway):
    appointment = booked(start=local_start(3))
    invoice = issued_invoice(appointment)
    payment_record(invoice=invoice, method="cash", by=StaffFactory())
    appointment_cancel(appointment=appointment, by=appointment.patient)
    run_billing_tasks()
    note = CreditNote.objects.get()
    assert note.refund_status == CreditNote.RefundStatus.AT_COUNTER
    assert gateway.refunds == []


def test_a_charge_that_lands_after_the_hold_expired_is_reversed_after_commit(clinic, gateway):
    appointment = held()
    payment = payment_start(appointment=appointment, details=CARD, by=appointment.patient)
    late = appointment.held_until + timedelta(seconds=1)
    result = ChargeResult(Outcome.SUCCEEDED, transaction_id="sim_txn_" + "c" * 24)
    payment_complete(payment=payment, result=result, by=appointment.patient, now=late)
    assert gateway.refunds == []
    run_billing_tasks()
    tasks.charge_reverse.call(payment_id=payment.pk)  # again: nothing more
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.reversal_reference.startswith("sim_rfnd_")
    assert [r["reference"] for r in gateway.refunds] == [f"carebook-payment-{payment.pk}-reversal"]
    assert not Invoice.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_gateway_is_called_with_no_transaction_open(gateway):
    appointment = paid_booking(start=local_start(3))
    appointment_cancel(appointment=appointment, by=appointment.patient)
    run_billing_tasks()
    assert len(gateway.refunds) == 1
    assert gateway.refunds[0]["in_transaction"] is False
