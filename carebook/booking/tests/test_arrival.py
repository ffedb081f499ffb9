"""The day at the clinic: checked in at the desk, called in by the practitioner."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_book,
    appointment_check_in,
    appointment_confirm,
    appointment_consultation_start,
)
from carebook.booking.tests.factories import bookable_calendar
from carebook.core.errors import IllegalTransition, PermissionDenied
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 10:30 in Bengaluru


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def today_visit():
    cal = bookable_calendar(start=time(0), end=time(23, 30))
    patient = PatientFactory()
    start = (utcnow() + timedelta(hours=1)).replace(second=0, microsecond=0)
    start = start.replace(minute=0 if start.minute < 30 else 30)
    visit = appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        by=patient,
    )
    return appointment_confirm(appointment=visit, by=cal.practitioner.user)


def test_the_desk_checks_in_and_the_practitioner_calls_in(today_visit):
    staff = StaffFactory()
    done = appointment_check_in(appointment=today_visit, by=staff)
    assert done.arrived_at is not None and done.status == Appointment.Status.CONFIRMED
    with pytest.raises(IllegalTransition):
        appointment_check_in(appointment=today_visit, by=staff)  # once
    started = appointment_consultation_start(
        appointment=today_visit, by=today_visit.practitioner.user
    )
    assert started.consultation_started_at >= started.arrived_at
    assert [h.action for h in today_visit.history.order_by("pk")][-2:] == [
        "arrived",
        "consultation",
    ]


def test_a_patient_cannot_check_themselves_in_nor_a_day_early(today_visit):
    with pytest.raises(PermissionDenied):
        appointment_check_in(appointment=today_visit, by=today_visit.patient)
    with pytest.raises(IllegalTransition):
        appointment_check_in(
            appointment=today_visit,
            by=StaffFactory(),
            now=today_visit.start - timedelta(days=1),
        )


def test_the_office_list_checks_in_and_today_shows_it(today_visit):
    desk = Client()
    desk.force_login(StaffFactory())
    listing = desk.get(reverse("office:appointments"))
    assert "Check in" in listing.content.decode()
    response = desk.post(reverse("office:check_in", args=[today_visit.pk]))
    assert response.status_code == 302
    doctor = Client()
    doctor.force_login(today_visit.practitioner.user)
    board = doctor.get("/practice/").content.decode()
    assert "Arrived " in board and "Call in" in board
    doctor.post(f"/practice/appointments/{today_visit.pk}/consultation/")
    assert "In consultation since" in doctor.get("/practice/").content.decode()
