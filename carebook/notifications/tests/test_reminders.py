from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.services import (
    appointment_cancel,
    appointment_confirm,
    appointment_reschedule,
)
from carebook.booking.tests.factories import bookable_calendar
from carebook.notifications import services
from carebook.notifications.models import Reminder
from carebook.notifications.tasks import send_reminder
from carebook.notifications.tests import conftest
from carebook.notifications.tests.conftest import run_worker

pytestmark = pytest.mark.django_db

# Berlin moves its clocks forward at 02:00 on Sunday 29 March 2026 (CET +01:00 → CEST +02:00).
BOOKED_AT = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
SUNDAY_TEN_BERLIN = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 10:00 CEST


@pytest.fixture
def berlin():
    return bookable_calendar(time_zone="Europe/Berlin", auto_confirm=True)


@pytest.fixture
def patient():
    return PatientFactory(email="lena@example.test", full_name="Lena Vogel")


def book(cal, patient, start=SUNDAY_TEN_BERLIN, now=BOOKED_AT):
    return conftest.book(cal, patient, start=start, now=now)


def reminders_sent_to(address):
    return [m for m in mail.outbox if m.to == [address] and m.subject.startswith("Reminder")]


def test_reminders_fire_at_the_right_instant_across_a_dst_change(clock, berlin, patient):
    clock.at(BOOKED_AT)
    appointment = book(berlin, patient)
    run_worker()
    assert {r.offset_minutes: r.due_at for r in appointment.reminders.all()} == {
        # 24 hours before is 09:00 CET on Saturday, not 10:00: the night in between is 23 h long.
        1440: datetime(2026, 3, 28, 8, 0, tzinfo=UTC),
        60: datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
    }

    clock.at(datetime(2026, 3, 28, 7, 59, 59, tzinfo=UTC))
    run_worker()
    assert reminders_sent_to(patient.email) == []

    clock.at(datetime(2026, 3, 28, 8, 0, tzinfo=UTC))
    run_worker()
    (day_before,) = reminders_sent_to(patient.email)
    assert "Sunday 29 March 2026, 10:00–10:30 (Europe/Berlin)" in day_before.body
    assert "10:00 CEST" in day_before.subject

    clock.at(datetime(2026, 3, 29, 6, 59, 59, tzinfo=UTC))
    run_worker()
    assert len(reminders_sent_to(patient.email)) == 1

    clock.at(datetime(2026, 3, 29, 7, 0, tzinfo=UTC))
    run_worker()
    assert len(reminders_sent_to(patient.email)) == 2
    assert set(appointment.reminders.values_list("status", flat=True)) == {"sent"}


def test_cancelled_appointment_sends_no_stale_reminder(clock, berlin, patient):
    clock.at(BOOKED_AT)
    appointment = book(berlin, patient)
    run_worker()
    appointment_cancel(appointment=appointment, by=patient, now=BOOKED_AT)
    clock.at(SUNDAY_TEN_BERLIN - timedelta(minutes=30))
    run_worker()
    assert reminders_sent_to(patient.email) == []
    assert set(appointment.reminders.values_list("status", "note")) == {
        ("skipped", "appointment cancelled")
    }


def test_a_reminder_task_for_a_cancelled_appointment_rechecks_and_skips(clock, berlin, patient):
    clock.at(BOOKED_AT)
    appointment = book(berlin, patient)
    run_worker()
    reminder = appointment.reminders.get(offset_minutes=60)
    # Even if nothing marked it (say, the cancellation's own task has not run yet) ...
    appointment_cancel(appointment=appointment, by=patient, now=BOOKED_AT)
    clock.at(reminder.due_at)
    assert send_reminder.call(reminder_id=reminder.pk) == "appointment cancelled"
    assert reminders_sent_to(patient.email) == []


def test_moved_appointment_reminds_of_the_new_time_only(clock, berlin, patient):
    clock.at(BOOKED_AT)
    old = book(berlin, patient)
    run_worker()
    new = appointment_reschedule(
        appointment=old, start=SUNDAY_TEN_BERLIN + timedelta(days=1), by=patient, now=BOOKED_AT
    )
    run_worker()
    assert set(old.reminders.values_list("status", flat=True)) == {"skipped"}
    for before in (timedelta(hours=24), timedelta(hours=1)):
        clock.at(new.start - before)
        run_worker()
    sent = reminders_sent_to(patient.email)
    assert len(sent) == 2
    assert all("Monday 30 March 2026, 10:00" in m.body for m in sent)
    assert set(new.reminders.values_list("status", flat=True)) == {"sent"}


def test_requests_get_reminders_once_confirmed(clock, patient):
    cal = bookable_calendar(time_zone="Europe/Berlin")
    clock.at(BOOKED_AT)
    appointment = book(cal, patient)
    run_worker()
    assert not Reminder.objects.exists()
    appointment_confirm(appointment=appointment, by=cal.practitioner.user, now=BOOKED_AT)
    run_worker()
    assert appointment.reminders.count() == 2


def test_a_late_worker_sends_only_the_latest_due_reminder(clock, berlin, patient):
    clock.at(BOOKED_AT)
    appointment = book(berlin, patient)
    run_worker()
    clock.at(SUNDAY_TEN_BERLIN - timedelta(minutes=30))  # the worker was down for a day
    run_worker()
    assert len(reminders_sent_to(patient.email)) == 1
    assert dict(appointment.reminders.values_list("offset_minutes", "note")) == {
        1440: "a later reminder is due",
        60: "",
    }


def test_offsets_are_configurable_and_read_when_scheduling(clock, berlin, patient):
    services.reminder_offsets_update(minutes=[48 * 60, 30], by=StaffFactory())
    clock.at(BOOKED_AT)
    appointment = book(berlin, patient)
    run_worker()
    assert sorted(appointment.reminders.values_list("offset_minutes", flat=True)) == [30, 2880]


def test_reminders_already_past_are_not_scheduled(clock, berlin, patient):
    clock.at(SUNDAY_TEN_BERLIN - timedelta(hours=3))
    book(berlin, patient, now=SUNDAY_TEN_BERLIN - timedelta(hours=3))
    run_worker()
    assert list(Reminder.objects.values_list("offset_minutes", flat=True)) == [60]
