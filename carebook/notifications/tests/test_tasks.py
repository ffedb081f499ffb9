from datetime import UTC, datetime, timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult
from icalendar import Calendar

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_hold,
    appointment_mark_no_show,
    appointment_reject,
    appointment_reschedule,
)
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Clinic
from carebook.notifications import conf, services
from carebook.notifications.models import Delivery, Notification, NotificationPreference
from carebook.notifications.sms import send_sms
from carebook.notifications.tasks import send_appointment_event, send_delivery
from carebook.notifications.tests import conftest
from carebook.notifications.tests.conftest import run_worker

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 05:30 in Kolkata
NINE_IST = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)  # Tuesday 09:00 in Kolkata
S = Appointment.Status


def book(cal, patient, start=NINE_IST, now=NOW, **kw):
    return conftest.book(cal, patient, start=start, now=now, **kw)


def notification_tasks():
    """This app's task rows (booking queues its own on every change of free time)."""
    return DBTaskResult.objects.filter(task_path__startswith="carebook.notifications.")


def calendar_part(message):
    """The text/calendar alternative of an email, parsed, with its METHOD parameter."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return part.get_param("method"), Calendar.from_ical(part.get_payload(decode=True))
    return None, None


def event_of(cal: Calendar):
    (event,) = cal.walk("VEVENT")
    return event


@pytest.fixture
def cal():
    return bookable_calendar()


@pytest.fixture
def patient():
    return PatientFactory(email="asha@example.test", full_name="Asha Rao")


@pytest.fixture(autouse=True)
def _at_now(clock):
    clock.at(NOW)


def test_booking_confirmation_reschedule_and_cancellation_over_smtp(smtp, cal, patient):
    doctor = cal.practitioner.user

    appt = book(cal, patient)
    run_worker()
    (requested,) = smtp.to(patient.email)
    assert requested["Subject"].startswith("Request received:")
    assert calendar_part(requested) == (None, None)  # nothing in the calendar until confirmed
    (new_request,) = smtp.to(doctor.email)
    assert new_request["Subject"].startswith("New request: Asha Rao")
    smtp.clear()

    appointment_confirm(appointment=appt, by=doctor, now=NOW)
    run_worker()
    (confirmed,) = smtp.to(patient.email)
    assert smtp.to(doctor.email) == []  # the practitioner confirmed it themselves
    assert confirmed["Subject"].startswith("Confirmed:")
    text = confirmed.get_body(("plain",)).get_content()
    html = confirmed.get_body(("html",)).get_content()
    assert "Tuesday 3 March 2026, 09:00–09:30 (Asia/Kolkata)" in text
    assert "09:00" in html and "Asia/Kolkata" in html
    assert f"https://clinic.example/appointments/{appt.pk}/" in text
    method, ical = calendar_part(confirmed)
    assert method == "REQUEST" and ical["METHOD"] == "REQUEST"
    first = event_of(ical)
    uid = f"appointment-{appt.pk}@carebook"
    assert str(first["UID"]) == uid
    assert first.decoded("DTSTART") == NINE_IST and first.decoded("DTEND").tzinfo is not None
    assert first["DTSTART"].to_ical() == b"20260303T033000Z"
    assert str(first["ORGANIZER"]).startswith("mailto:")
    assert str(first["ATTENDEE"]) == f"mailto:{patient.email}"
    assert first["STATUS"] == "CONFIRMED" and first.get("DTSTAMP") is not None
    assert "Asha" not in uid and "invite.ics" in [p.get_filename() for p in confirmed.walk()]
    smtp.clear()

    moved = appointment_reschedule(
        appointment=appt, start=NINE_IST + timedelta(days=1), by=patient, now=NOW
    )
    run_worker()
    (rescheduled,) = smtp.to(patient.email)
    assert rescheduled["Subject"].startswith("Moved:")
    assert (
        "from Tuesday 3 March 2026, 09:00–09:30" in rescheduled.get_body(("plain",)).get_content()
    )
    method, ical = calendar_part(rescheduled)
    second = event_of(ical)
    assert method == "REQUEST"
    assert str(second["UID"]) == uid  # the same event, moved: not a second one
    assert second["SEQUENCE"] > first["SEQUENCE"]
    assert second.decoded("DTSTART") == moved.start
    (doctor_moved,) = smtp.to(doctor.email)
    assert doctor_moved["Subject"].startswith("Moved: Asha Rao")
    assert len(smtp.messages) == 2  # one "moved" each, no cancellation plus new booking
    smtp.clear()

    appointment_cancel(appointment=moved, by=patient, reason="Feeling better", now=NOW)
    run_worker()
    (cancelled,) = smtp.to(patient.email)
    method, ical = calendar_part(cancelled)
    third = event_of(ical)
    assert method == "CANCEL" and ical["METHOD"] == "CANCEL"
    assert str(third["UID"]) == uid
    assert third["SEQUENCE"] > second["SEQUENCE"]
    assert third["STATUS"] == "CANCELLED"
    (doctor_cancelled,) = smtp.to(doctor.email)
    body = doctor_cancelled.get_body(("plain",)).get_content()
    assert "cancelled by Asha Rao" in body and "Feeling better" in body
    assert "cancelled by you" in cancelled.get_body(("plain",)).get_content()


def test_auto_confirmed_booking_carries_the_invite_and_tells_the_practitioner(smtp, patient):
    cal = bookable_calendar(auto_confirm=True)
    appt = book(cal, patient)
    run_worker()
    (confirmed,) = smtp.to(patient.email)
    method, ical = calendar_part(confirmed)
    assert method == "REQUEST" and event_of(ical)["SEQUENCE"] == 0
    assert str(event_of(ical)["UID"]) == f"appointment-{appt.pk}@carebook"
    (booked,) = smtp.to(cal.practitioner.user.email)
    assert booked["Subject"].startswith("New booking:")


def test_every_status_change_tells_the_patient(cal, patient):
    doctor = cal.practitioner.user
    kept = book(cal, patient)
    appointment_confirm(appointment=kept, by=doctor, now=NOW)
    appointment_complete(appointment=kept, by=doctor, now=NINE_IST + timedelta(minutes=30))
    missed = book(cal, patient, start=NINE_IST + timedelta(hours=1))
    appointment_confirm(appointment=missed, by=doctor, now=NOW)
    appointment_mark_no_show(appointment=missed, by=doctor, now=NINE_IST + timedelta(hours=2))
    turned_down = book(cal, patient, start=NINE_IST + timedelta(hours=2))
    appointment_reject(appointment=turned_down, by=doctor, reason="On leave", now=NOW)
    run_worker()

    subjects = [m.subject for m in mail.outbox if m.to == [patient.email]]
    # Tasks enqueued in one transaction share their time: the worker may take them in any order.
    assert sorted(s.split(":")[0] for s in subjects) == sorted(
        [
            "Request received",
            "Confirmed",
            "Thank you for your visit to Dr. " + doctor.full_name,
            "Request received",
            "Confirmed",
            "We missed you",
            "Request received",
            "Not accepted",
        ]
    )
    completed = next(m for m in mail.outbox if m.subject.startswith("Thank you"))
    assert f"/appointments/{kept.pk}/#rate" in completed.body
    rejected = next(m for m in mail.outbox if m.subject.startswith("Not accepted"))
    assert "On leave" in rejected.body and not rejected.alternatives[1:]  # no invite was out
    assert Notification.objects.filter(user=patient).count() == 5  # the changes others made


def test_names_are_plain_in_text_and_escaped_in_html(cal):
    patient = PatientFactory(full_name="Anne O'Brien <b>")
    appointment_cancel(appointment=book(cal, patient), by=patient, reason="R&D trip", now=NOW)
    run_worker()
    doctor_mail = next(m for m in mail.outbox if m.subject.startswith("Cancelled: Anne"))
    assert "cancelled by Anne O'Brien <b>." in doctor_mail.body
    assert "R&D trip" in doctor_mail.body
    html = doctor_mail.alternatives[0].content
    assert "Anne O&#x27;Brien &lt;b&gt;" in html and "<b>" not in html
    assert "R&amp;D trip" in html


def test_a_hold_tells_nobody(cal, patient):
    book(cal, patient, service=appointment_hold)
    assert not notification_tasks().exists()


def test_muted_changes_tell_nobody(cal, patient):
    with services.notifications_muted():
        appt = book(cal, patient)
    appointment_confirm(appointment=appt, by=cal.practitioner.user, now=NOW)
    assert notification_tasks().count() == 1  # the confirmation only


@pytest.mark.django_db(transaction=True)
def test_task_is_written_in_the_booking_transaction_and_rolled_back_with_it(monkeypatch):
    from carebook.booking.services import history as history_module

    cal = bookable_calendar()
    patient = PatientFactory()
    real = history_module.emit
    seen_inside = []

    def emit_then_fail(event, **payload):
        real(event, **payload)  # the handlers enqueue; their rows are written as it ends
        seen_inside.append((connection.in_atomic_block, notification_tasks().count()))
        raise RuntimeError("the booking fails after its task was enqueued")

    monkeypatch.setattr(history_module, "emit", emit_then_fail)
    before = set(DBTaskResult.objects.values_list("pk", flat=True))
    with pytest.raises(RuntimeError):
        book(cal, patient)
    assert seen_inside == [(True, 1)]  # the row existed, inside the transaction
    assert not Appointment.objects.exists()
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == before  # rolled back

    monkeypatch.undo()
    appt = book(cal, patient)
    (task_row,) = notification_tasks()
    assert task_row.task_path == "carebook.notifications.tasks.send_appointment_event"
    assert task_row.args_kwargs["kwargs"] == {"history_id": appt.history.get().pk}


def test_a_task_run_twice_sends_once(smtp, cal, patient):
    appt = book(cal, patient)
    history = appt.history.get()
    send_appointment_event.call(history_id=history.pk)
    send_appointment_event.call(history_id=history.pk)
    run_worker()  # the enqueued run, a third time, and the two sends each queued once
    assert len(smtp.messages) == 2
    assert Delivery.objects.filter(channel="email").count() == 2
    for delivery in Delivery.objects.filter(channel="email"):
        assert send_delivery.call(delivery_id=delivery.pk) == "sent"
    assert len(smtp.messages) == 2
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}


class FlakyBackend(BaseEmailBackend):
    """Fails the first `failures` sends, then delivers to the locmem outbox."""

    failures = 1
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        mail.outbox.extend(messages)
        return len(messages)


def test_a_failed_send_is_retried_with_backoff(settings, clock, cal, patient):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    settings.CAREBOOK_TASK_RETRY_BACKOFF_SECONDS = 30
    NotificationPreference.objects.create(user=cal.practitioner.user, email=False)
    FlakyBackend.calls, FlakyBackend.failures = 0, 1
    book(cal, patient)

    failed = run_worker(allow_failures=True)
    assert len(failed) == 1 and "SMTPServerDisconnected" in failed[0].traceback
    delivery = Delivery.objects.get(channel="email")
    assert (delivery.status, delivery.attempts) == ("queued", 1)
    assert "Connection unexpectedly closed" in delivery.last_error
    retry = DBTaskResult.objects.get(status="READY", task_path__endswith="send_delivery")
    assert retry.run_after == NOW + timedelta(seconds=30)
    assert retry.args_kwargs["kwargs"] == {"delivery_id": delivery.pk, "attempt": 2}

    clock.at(NOW + timedelta(seconds=29))
    run_worker()
    assert mail.outbox == []
    clock.at(NOW + timedelta(seconds=30))
    run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


def test_retries_stop_at_the_limit_and_the_failure_is_kept(settings, clock, cal, patient):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    settings.CAREBOOK_TASK_MAX_ATTEMPTS = 3
    settings.CAREBOOK_TASK_RETRY_BACKOFF_SECONDS = 10
    NotificationPreference.objects.create(user=cal.practitioner.user, email=False)
    FlakyBackend.calls, FlakyBackend.failures = 0, 99
    book(cal, patient)
    run_worker(allow_failures=True)
    clock.at(NOW + timedelta(seconds=10))
    run_worker(allow_failures=True)
    clock.at(NOW + timedelta(seconds=30))
    run_worker(allow_failures=True)
    clock.at(NOW + timedelta(hours=1))
    run_worker(allow_failures=True)
    delivery = Delivery.objects.get(channel="email")
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert FlakyBackend.calls == 3
    assert not DBTaskResult.objects.filter(status="READY", task_path__endswith="send_delivery")


def test_a_killed_workers_task_is_picked_up_again(smtp, clock, cal, patient):
    book(cal, patient)
    event_task = notification_tasks().get()
    # A worker claimed the task and died: the row says RUNNING and nobody will finish it.
    DBTaskResult.objects.filter(pk=event_task.pk).update(
        status="RUNNING", started_at=NOW, worker_ids=["worker-killed-by-oom"]
    )
    run_worker()
    assert smtp.messages == []

    clock.at(NOW + timedelta(minutes=5))
    call_command("reap_tasks")
    event_task.refresh_from_db()
    assert event_task.status == "RUNNING"  # not yet past the timeout: it may still be working

    clock.at(NOW + timedelta(minutes=11))
    call_command("reap_tasks")
    event_task.refresh_from_db()
    assert event_task.status == "READY"
    run_worker()
    event_task.refresh_from_db()
    assert event_task.status == "SUCCESSFUL"
    assert event_task.worker_ids == ["worker-killed-by-oom", "test-worker"]
    assert len(smtp.messages) == 2


def test_a_send_interrupted_by_a_killed_worker_is_not_lost(smtp, clock, cal, patient):
    book(cal, patient)
    send_appointment_event.call(history_id=Appointment.objects.get().history.get().pk)
    delivery = Delivery.objects.filter(channel="email").first()
    # The worker took the message (claim) and died before sending it.
    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_until=NOW + timedelta(minutes=2), attempts=1
    )
    assert send_delivery.call(delivery_id=delivery.pk) == "being sent elsewhere"
    clock.at(NOW + timedelta(minutes=2))
    run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(smtp.to(delivery.to)) == 1


def test_a_task_that_keeps_killing_its_worker_is_failed(settings, clock, cal, patient):
    settings.CAREBOOK_TASK_MAX_ATTEMPTS = 2
    book(cal, patient)
    notification_tasks().update(status="RUNNING", started_at=NOW, worker_ids=["a", "b"])
    clock.at(NOW + timedelta(hours=1))
    call_command("reap_tasks")
    (row,) = notification_tasks().exclude(task_path__endswith="reap_stuck_tasks")
    assert row.status == "FAILED" and "WorkerLost" in row.exception_class_path


def test_the_reaper_keeps_itself_scheduled(clock, cal, patient):
    book(cal, patient)
    run_worker()
    (reaper,) = DBTaskResult.objects.filter(task_path__endswith="reap_stuck_tasks")
    every = conf.reap_interval()
    assert reaper.status == "READY" and reaper.run_after == NOW + every
    clock.at(NOW + every)
    run_worker()
    runs = DBTaskResult.objects.filter(task_path__endswith="reap_stuck_tasks")
    assert sorted(runs.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
    assert runs.get(status="READY").run_after == NOW + 2 * every


def test_sms_only_for_patients_who_opted_in_and_under_160(sms_outbox, cal):
    clinic_name = "The Extraordinarily Long Named Multispeciality Family Health Clinic"
    Clinic.objects.create(name=clinic_name)
    cal.practitioner.user.full_name = "Venkataramanan Subramaniam Chandrasekharan Iyer"
    cal.practitioner.user.save()
    cal.practitioner.title = "Prof. Dr."
    cal.practitioner.save()
    opted_in = PatientFactory(phone="+91 98450 00000")
    NotificationPreference.objects.create(user=opted_in, sms=True)
    quiet = PatientFactory(phone="+91 98450 11111")  # SMS is off unless asked for
    doctor = cal.practitioner.user
    for who, start in ((opted_in, NINE_IST), (quiet, NINE_IST + timedelta(hours=1))):
        appt = book(cal, who, start=start)
        appointment_confirm(appointment=appt, by=doctor, now=NOW)
        appointment_cancel(appointment=appt, by=doctor, reason="Emergency", now=NOW)
    run_worker()
    assert [to for to, _ in sms_outbox] == ["+91 98450 00000", "+91 98450 00000"]
    for _, text in sms_outbox:
        assert len(text) <= 160
        assert text.startswith(clinic_name)
    with pytest.raises(ValueError):
        send_sms(to="+91", text="x" * 161)


def test_patient_can_turn_email_off(cal, patient):
    services.preferences_update(user=patient, email=False, sms=False)
    appt = book(cal, patient)
    appointment_confirm(appointment=appt, by=cal.practitioner.user, now=NOW)
    run_worker()
    assert [m.to for m in mail.outbox] == [[cal.practitioner.user.email]]
    assert Notification.objects.filter(user=patient).count() == 1  # the bell still tells


def test_reschedule_by_staff_tells_both_and_the_bell(cal, patient):
    staff = StaffFactory()
    appt = book(cal, patient, by=staff)
    appointment_reschedule(appointment=appt, start=NINE_IST + timedelta(hours=2), by=staff, now=NOW)
    run_worker()
    texts = list(Notification.objects.filter(user=patient).values_list("text", flat=True))
    assert any("moved to" in t for t in texts)
    assert Notification.objects.filter(user=cal.practitioner.user).count() == 2
