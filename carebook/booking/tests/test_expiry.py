"""Nothing waits forever: holds end on time and undecided requests expire by clinic policy."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django_tasks_db.models import DBTaskResult

from carebook.billing.models import CreditNote, Payment
from carebook.billing.tests.factories import (
    booked,
    held,
    local_start,
    paid_booking,
    pay_at_booking,
)
from carebook.booking.models import Appointment
from carebook.booking.services import holds_expire, requests_expire
from carebook.booking.tasks import ensure_expiry_scheduled
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Clinic
from carebook.core.tests.tasks import run_worker
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db
S = Appointment.Status


def test_a_hold_past_its_time_is_released_by_the_sweep_and_its_holder_sees_it():
    hold = held(start=local_start(3))
    assert holds_expire(now=hold.held_until - timedelta(seconds=1)) == 0
    assert holds_expire(now=hold.held_until) == 1
    hold.refresh_from_db()
    assert hold.status == S.CANCELLED
    assert hold.history.last().action == "hold_expired"
    assert holds_expire(now=hold.held_until) == 0  # once


def test_an_undecided_request_expires_by_the_clinics_deadline_and_the_patient_is_told():
    clinic = Clinic.current()
    clinic.request_expiry_hours = 6
    clinic.save()
    cal = bookable_calendar()
    start = local_start(2)
    request = booked(cal, start=start, confirm=False)
    run_worker()
    mail.outbox.clear()
    assert requests_expire(now=start - timedelta(hours=6, seconds=1)) == 0
    assert requests_expire(now=start - timedelta(hours=6)) == 1
    request.refresh_from_db()
    assert request.status == S.EXPIRED and request.history.last().action == "expired"
    run_worker()
    (message,) = [m for m in mail.outbox if m.to == [request.patient.email]]
    assert message.subject.startswith("Request expired")
    # The time is free again: the same slot books.
    again = booked(cal, start=start, confirm=False, now=start - timedelta(hours=7))
    assert again.status == S.REQUESTED


def test_a_paid_request_that_expires_is_refunded():
    pay_at_booking()
    appointment = paid_booking(start=local_start(2))
    assert appointment.status == S.REQUESTED
    requests_expire(now=appointment.start)
    run_worker()
    note = CreditNote.objects.get()
    assert note.amount == Payment.objects.get().amount and "expired" in note.reason


def test_the_sweep_runs_periodically_without_cron():
    ensure_expiry_scheduled()
    (first,) = DBTaskResult.objects.filter(task_path="carebook.booking.tasks.expire_due")
    hold = held(start=local_start(3))
    with time_machine.travel(max(first.run_after, hold.held_until) + timedelta(seconds=1)):
        run_worker()
        hold.refresh_from_db()
        assert hold.status == S.CANCELLED
        runs = DBTaskResult.objects.filter(task_path="carebook.booking.tasks.expire_due")
        assert sorted(runs.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
        assert runs.get(status="READY").run_after > utcnow()
