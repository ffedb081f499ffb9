"""Billing states built the way users reach them: through the booking and billing services."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import connection

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.billing.cards import card_today
from carebook.billing.models import BillingSettings, Invoice
from carebook.billing.providers import PaymentDetails, SimulatedGateway
from carebook.billing.services import invoice_issue, payment_checkout
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_book,
    appointment_complete,
    appointment_confirm,
    appointment_hold,
)
from carebook.booking.tests.factories import Calendar, bookable_calendar
from carebook.clinic.models import Clinic
from carebook.core.tests.tasks import run_worker
from carebook.core.timeutils import now as utcnow
from carebook.core.timeutils import zone

KOLKATA = zone("Asia/Kolkata")


def local_start(days_ahead: int, hour: int = 10, minute: int = 0) -> datetime:
    day = (utcnow().astimezone(KOLKATA) + timedelta(days=days_ahead)).date()
    return datetime.combine(day, time(hour, minute), KOLKATA)


def demo_clinic() -> Clinic:
    clinic = Clinic.current()
    clinic.name = "Arogya Family Clinic"
    clinic.address = "12, 100 Feet Road, Indiranagar, Bengaluru 560038"
    clinic.gstin = "29AAGCA4821K1Z6"
    clinic.save()
    return clinic


def pay_at_booking(**fields) -> BillingSettings:
    """Patients pay online when they book; `fields` set billing rules too."""
    Clinic.objects.filter(pk=Clinic.current().pk).update(payment_at_booking=True)
    rules = BillingSettings.current()
    for name, value in fields.items():
        setattr(rules, name, value)
    rules.save()
    return rules


def booked(
    cal: Calendar | None = None,
    patient: User | None = None,
    *,
    start: datetime | None = None,
    now: datetime | None = None,
    confirm: bool = True,
) -> Appointment:
    cal = cal or bookable_calendar()
    patient = patient or PatientFactory()
    start = start or local_start(2)
    appointment = appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        by=patient,
        now=now or min(utcnow(), start - timedelta(days=1)),
    )
    if confirm:
        appointment = appointment_confirm(
            appointment=appointment, by=cal.practitioner.user, now=now
        )
    return appointment


def completed(cal: Calendar | None = None, patient: User | None = None, *, days_ago=1, hour=10):
    """A visit that started `days_ago` days ago and was marked completed after it."""
    cal = cal or bookable_calendar()
    start = local_start(-days_ago, hour)
    appointment = booked(cal, patient, start=start, now=start - timedelta(days=1))
    return appointment_complete(
        appointment=appointment, by=cal.practitioner.user, now=start + timedelta(minutes=30)
    )


def held(cal: Calendar | None = None, patient: User | None = None, *, start=None, now=None):
    cal = cal or bookable_calendar()
    patient = patient or PatientFactory()
    return appointment_hold(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start or local_start(2),
        mode="in_person",
        by=patient,
        now=now,
    )


def issued_invoice(appointment: Appointment | None = None, *, now=None) -> Invoice:
    appointment = appointment or completed()
    return invoice_issue(appointment=appointment, by=StaffFactory(), now=now)


def card(number: str = "4111111111111111", cvc: str = "123") -> PaymentDetails:
    """A card as the payment form passes it on: valid through December five years ahead."""
    return PaymentDetails(
        method="card",
        card_number=number,
        card_expiry_month=12,
        card_expiry_year=card_today().year + 5,
        card_cvc=cvc,
    )


CARD = card()


def paid_booking(cal: Calendar | None = None, *, start: datetime | None = None) -> Appointment:
    """A visit the patient paid online at booking (requested, or confirmed by auto-confirm)."""
    appointment = held(cal, start=start)
    payment_checkout(appointment=appointment, details=CARD, by=appointment.patient)
    appointment.refresh_from_db()
    return appointment


class RecordingGateway(SimulatedGateway):
    """The simulated gateway, remembering each refund request (its idempotency key as
    `reference`, and whether a transaction was open around it); `fail` refunds raise, as a
    gateway that is down."""

    def __init__(self, *, fail: int = 0):
        super().__init__()
        self.refunds: list[dict] = []
        self.fail = fail

    def refund(self, *, idempotency_key: str, transaction_id: str, amount: Decimal):
        self.refunds.append(
            {
                "transaction_id": transaction_id,
                "amount": amount,
                "reference": idempotency_key,
                "in_transaction": connection.in_atomic_block,
            }
        )
        if self.fail:
            self.fail -= 1
            raise ConnectionError("gateway down")
        return super().refund(
            idempotency_key=idempotency_key, transaction_id=transaction_id, amount=amount
        )

    @property
    def references(self) -> set[str]:
        return {r["reference"] for r in self.refunds}


def run_billing_tasks(*, allow_failures: bool = False) -> list:
    """Run every due task, as `db_worker` does after commit; return billing's failed runs.

    Other apps' tasks (messages) run too, but only billing's results are judged here.
    """
    failed = [
        r for r in run_worker(allow_failures=True) if r.task_path.startswith("carebook.billing.")
    ]
    if not allow_failures:
        assert not failed, [f.traceback for f in failed]
    return failed
