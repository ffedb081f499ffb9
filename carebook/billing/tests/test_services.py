from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.billing import ledger
from carebook.billing.models import BillingSettings, CreditNote, DocumentSequence, Invoice, Payment
from carebook.billing.providers import ChargeResult, Outcome
from carebook.billing.services import (
    billing_settings_update,
    credit_note_issue,
    invoice_issue,
    payment_checkout,
    payment_complete,
    payment_record,
    payment_start,
)
from carebook.billing.tests.factories import (
    RecordingGateway,
    booked,
    card,
    completed,
    held,
    issued_invoice,
    paid_booking,
    pay_at_booking,
    run_billing_tasks,
)
from carebook.booking.models import Appointment
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Clinic
from carebook.clinic.tests.factories import LocationFactory
from carebook.core.errors import IllegalTransition, InvalidInput, PermissionDenied, SlotUnavailable
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db
D = Decimal
CARD = card()
DECLINE = card("4000000000000002")
TIMEOUT = card("4000000000000119")


def test_invoice_snapshots_clinic_patient_practitioner_and_fee(clinic):
    appointment = completed()
    invoice = invoice_issue(appointment=appointment, by=appointment.practitioner.user)
    assert invoice.clinic_name == "Arogya Family Clinic"
    assert invoice.clinic_gstin == "29AAGCA4821K1Z6"
    assert invoice.patient_name == appointment.patient.full_name
    assert invoice.practitioner_name == appointment.practitioner.display_name
    assert invoice.consultation_fee == appointment.price == D("500.00")
    assert (invoice.service_charge, invoice.cgst_amount, invoice.sgst_amount) == (
        D("50.00"),
        D("49.50"),
        D("49.50"),
    )
    assert invoice.total == D("649.00")
    assert invoice.status == Invoice.Status.ISSUED
    clinic.gstin = "changed"
    clinic.save()
    invoice.refresh_from_db()
    assert invoice.clinic_gstin == "29AAGCA4821K1Z6"


def test_invoice_number_is_sequential_per_financial_year():
    first = issued_invoice(now=datetime(2026, 5, 1, 6, tzinfo=UTC))
    second = issued_invoice(now=datetime(2026, 5, 2, 6, tzinfo=UTC))
    next_year = issued_invoice(now=datetime(2027, 4, 1, 6, tzinfo=UTC))
    assert first.number == "CB/2026-27/000001"
    assert second.number == "CB/2026-27/000002"
    assert next_year.number == "CB/2027-28/000001"


def test_issuing_twice_returns_the_same_invoice_and_uses_one_number():
    appointment = completed()
    staff = StaffFactory()
    first = invoice_issue(appointment=appointment, by=staff)
    again = invoice_issue(appointment=appointment, by=appointment.patient)
    assert again.pk == first.pk
    assert Invoice.objects.count() == 1
    assert DocumentSequence.objects.get(series="CB").last_number == 1


class InsertFailed(Exception):
    pass


def test_a_rolled_back_issue_does_not_consume_a_number(monkeypatch):
    a, b = completed(), completed()
    staff = StaffFactory()
    real_create = Invoice.objects.create

    def fail(**kwargs):
        raise InsertFailed

    # The number is taken, then the insert fails: the transaction rolls both back.
    monkeypatch.setattr(Invoice.objects, "create", fail)
    with pytest.raises(InsertFailed):
        invoice_issue(appointment=a, by=staff)
    monkeypatch.setattr(Invoice.objects, "create", real_create)
    assert not Invoice.objects.exists()
    assert invoice_issue(appointment=b, by=staff).sequence_number == 1
    assert invoice_issue(appointment=a, by=staff).sequence_number == 2


def test_patient_and_practitioner_invoice_only_completed_visits():
    appointment = booked()
    with pytest.raises(IllegalTransition):
        invoice_issue(appointment=appointment, by=appointment.patient)
    with pytest.raises(IllegalTransition):
        invoice_issue(appointment=appointment, by=appointment.practitioner.user)
    assert invoice_issue(appointment=appointment, by=StaffFactory()).number.startswith("CB/")


def test_another_patient_cannot_issue_an_invoice():
    with pytest.raises(PermissionDenied):
        invoice_issue(appointment=completed(), by=PatientFactory())


def test_zero_total_invoice_is_paid_at_once():
    pay_at_booking()
    cal = bookable_calendar(location=LocationFactory(service_charge=D("0")))
    cal.service.price = D("0")
    cal.service.save()
    invoice = issued_invoice(completed(cal))
    assert invoice.total == 0 and invoice.status == Invoice.Status.PAID


def test_staff_record_a_counter_payment_in_parts():
    invoice = issued_invoice()
    staff = StaffFactory()
    payment_record(invoice=invoice, method="cash", amount=D("100"), by=staff)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    rest = payment_record(invoice=invoice, method="upi", by=staff, reference="UPI-REF-1")
    assert rest.amount == D("549.00") and rest.provider_transaction_id == "UPI-REF-1"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    with pytest.raises(IllegalTransition):
        payment_record(invoice=invoice, method="cash", by=staff)


def test_counter_payment_cannot_exceed_what_is_owed_or_be_recorded_by_a_patient():
    invoice = issued_invoice()
    with pytest.raises(InvalidInput):
        payment_record(invoice=invoice, method="cash", amount=D("649.01"), by=StaffFactory())
    with pytest.raises(PermissionDenied):
        payment_record(invoice=invoice, method="cash", by=invoice.patient)
    assert not Payment.objects.exists()


def test_paying_a_hold_books_it_and_issues_the_invoice_in_one_step():
    pay_at_booking()
    appointment = held()
    checkout = payment_checkout(appointment=appointment, details=CARD, by=appointment.patient)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.REQUESTED
    assert appointment.held_until is None
    payment = checkout.payment
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.provider_transaction_id.startswith("sim_txn_")
    assert payment.payer_hint == "•••• 1111"
    assert checkout.invoice.status == Invoice.Status.PAID
    assert payment.amount == checkout.invoice.total == D("649.00")


def test_a_declined_payment_keeps_the_hold_for_a_retry():
    appointment = held()
    checkout = payment_checkout(appointment=appointment, details=DECLINE, by=appointment.patient)
    assert checkout.declined and checkout.payment.status == Payment.Status.FAILED
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.HELD
    assert not Invoice.objects.exists()
    retry = payment_checkout(appointment=appointment, details=CARD, by=appointment.patient)
    assert retry.payment.status == Payment.Status.SUCCEEDED


def test_a_timed_out_payment_releases_the_slot():
    appointment = held()
    with pytest.raises(SlotUnavailable):
        payment_checkout(appointment=appointment, details=TIMEOUT, by=appointment.patient)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.history.filter(action="hold_expired").exists()
    assert Payment.objects.get().status == Payment.Status.FAILED
    assert not Invoice.objects.exists()


def test_a_charge_that_lands_after_the_hold_expired_is_reversed():
    appointment = held()
    payment = payment_start(appointment=appointment, details=CARD, by=appointment.patient)
    late = appointment.held_until + timedelta(seconds=1)
    result = ChargeResult(Outcome.SUCCEEDED, transaction_id="sim_txn_" + "a" * 24)
    payment = payment_complete(payment=payment, result=result, by=appointment.patient, now=late)
    assert payment.status == Payment.Status.FAILED
    assert "Reversed" in payment.message
    assert not Invoice.objects.exists()


def test_completing_a_payment_twice_changes_nothing():
    appointment = held()
    payment = payment_start(appointment=appointment, details=CARD, by=appointment.patient)
    result = ChargeResult(Outcome.SUCCEEDED, transaction_id="sim_txn_" + "b" * 24)
    payment_complete(payment=payment, result=result, by=appointment.patient)
    again = payment_complete(payment=payment, result=result, by=appointment.patient)
    assert again.status == Payment.Status.SUCCEEDED
    assert Invoice.objects.count() == 1


def test_an_expired_hold_cannot_be_paid():
    past = utcnow() - timedelta(minutes=30)
    appointment = held(now=past)
    with pytest.raises(SlotUnavailable):
        payment_start(appointment=appointment, details=CARD, by=appointment.patient)


def test_only_the_patient_or_staff_pay_a_hold():
    appointment = held()
    with pytest.raises(PermissionDenied):
        payment_start(appointment=appointment, details=CARD, by=PatientFactory())


def test_staff_refund_part_then_the_rest_by_credit_notes(monkeypatch):
    gateway = RecordingGateway()
    monkeypatch.setattr(ledger, "provider_get", lambda: gateway)
    appointment = paid_booking()
    invoice = appointment.invoice
    staff = StaffFactory()
    part = credit_note_issue(invoice=invoice, amount=D("200"), reason="Ran late", by=staff)
    assert part.amount == D("200.00") and part.issued_by == staff
    assert part.refund_status == CreditNote.RefundStatus.REFUNDED
    assert gateway.refunds[0]["reference"] == part.number
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_REFUNDED
    with pytest.raises(InvalidInput):
        credit_note_issue(invoice=invoice, amount=D("449.01"), reason="Too much", by=staff)
    rest = credit_note_issue(invoice=invoice, reason="Goodwill", by=staff)
    assert rest.amount == D("449.00")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.REFUNDED
    with pytest.raises(IllegalTransition):
        credit_note_issue(invoice=invoice, reason="Again", by=staff)
    assert [n.sequence_number for n in CreditNote.objects.order_by("pk")] == [1, 2]
    assert len(gateway.refunds) == 2


def test_a_staff_refund_needs_staff_and_a_reason():
    invoice = paid_booking().invoice
    with pytest.raises(PermissionDenied):
        credit_note_issue(invoice=invoice, reason="Please", by=invoice.patient)
    with pytest.raises(InvalidInput):
        credit_note_issue(invoice=invoice, reason="  ", by=StaffFactory())
    with pytest.raises(InvalidInput):
        credit_note_issue(invoice=invoice, amount=D("0"), reason="Zero", by=StaffFactory())
    assert not CreditNote.objects.exists()


def test_an_unpaid_invoice_has_nothing_to_refund():
    with pytest.raises(IllegalTransition):
        credit_note_issue(invoice=issued_invoice(), reason="Nothing paid", by=StaffFactory())


def test_a_staff_refund_the_gateway_fails_stays_pending_and_a_task_sends_it(monkeypatch):
    gateway = RecordingGateway(fail=1)
    monkeypatch.setattr(ledger, "provider_get", lambda: gateway)
    invoice = paid_booking().invoice
    note = credit_note_issue(invoice=invoice, amount=D("100"), reason="Ran late", by=StaffFactory())
    assert note.refund_status == CreditNote.RefundStatus.PENDING
    run_billing_tasks()
    note.refresh_from_db()
    assert note.refund_status == CreditNote.RefundStatus.REFUNDED
    assert [r["reference"] for r in gateway.refunds] == [note.number, note.number]


def test_a_counter_paid_invoice_is_refunded_at_the_counter(monkeypatch):
    gateway = RecordingGateway()
    monkeypatch.setattr(ledger, "provider_get", lambda: gateway)
    invoice = issued_invoice()
    staff = StaffFactory()
    payment_record(invoice=invoice, method="cash", by=staff)
    note = credit_note_issue(invoice=invoice, amount=D("49"), reason="Discount", by=staff)
    assert note.refund_status == CreditNote.RefundStatus.AT_COUNTER and note.payment is None
    assert gateway.refunds == []


def test_billing_settings_save_when_patients_pay_on_the_clinic():
    staff = StaffFactory()
    rules = BillingSettings.current()
    rules.refund_no_show = True
    billing_settings_update(settings=rules, payment_at_booking=True, by=staff)
    assert Clinic.current().payment_at_booking
    assert BillingSettings.current().refund_no_show
    with pytest.raises(PermissionDenied):
        billing_settings_update(settings=rules, payment_at_booking=False, by=PatientFactory())
    assert Clinic.current().payment_at_booking
