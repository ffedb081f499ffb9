"""Shared fixtures for the API tests: a clinic with two calendars and everyone who uses it."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.accounts.tokens import token_create
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_book, appointment_confirm
from carebook.booking.tests.factories import Calendar, bookable_calendar
from carebook.core.timeutils import now as utcnow
from carebook.core.timeutils import zone

KOLKATA = zone("Asia/Kolkata")


def local_start(days_ahead: int, hour: int = 9, minute: int = 0) -> datetime:
    """A wall-clock time in Kolkata `days_ahead` days from today, as an aware datetime."""
    day = (utcnow().astimezone(KOLKATA) + timedelta(days=days_ahead)).date()
    return datetime.combine(day, time(hour, minute), KOLKATA)


def bearer(user: User) -> Client:
    _token, raw = token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def book(cal: Calendar, patient: User, start: datetime, *, now=None, reason="") -> Appointment:
    return appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        reason=reason,
        by=patient,
        now=now,
    )


@dataclass
class World:
    cal: Calendar
    other_cal: Calendar
    patient: User
    other_patient: User
    practitioner: User
    other_practitioner: User
    staff: User

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)

    def client(self, role: str) -> Client:
        user = self.user(role)
        return Client() if user is None else bearer(user)


ROLES = ("anonymous", "patient", "other_patient", "practitioner", "other_practitioner", "staff")


@pytest.fixture
def world(db) -> World:
    cal = bookable_calendar()
    other_cal = bookable_calendar()
    return World(
        cal=cal,
        other_cal=other_cal,
        patient=PatientFactory(full_name="Priya Secretname", email="priya@example.test"),
        other_patient=PatientFactory(full_name="Other Person"),
        practitioner=cal.practitioner.user,
        other_practitioner=other_cal.practitioner.user,
        staff=StaffFactory(),
    )


@pytest.fixture
def past_confirmed(world) -> Appointment:
    """A confirmed visit of `patient` with `practitioner` that started yesterday."""
    start = local_start(-1, 10)
    appointment = book(world.cal, world.patient, start, now=start - timedelta(days=1))
    return appointment_confirm(appointment=appointment, by=world.practitioner)


def utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)
