"""Billing states built the way users reach them: through the booking and billing services."""

from datetime import datetime, time, timedelta

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.billing.models import BillingSettings, Invoice
from carebook.billing.services import invoice_issue
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_book,
    appointment_complete,
    appointment_confirm,
    appointment_hold,
)
from carebook.booking.tests.factories import Calendar, bookable_calendar
from carebook.clinic.models import Clinic
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
    rules = BillingSettings.current()
    rules.payment_timing = BillingSettings.PaymentTiming.AT_BOOKING
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
