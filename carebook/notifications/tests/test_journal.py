"""Accepted messages are journalled outside the database: neither a crash nor a restore resends."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from carebook.accounts.tests.factories import PatientFactory
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_book
from carebook.booking.tests.factories import bookable_calendar
from carebook.notifications import journal
from carebook.notifications.models import Delivery
from carebook.notifications.tasks import send_delivery
from carebook.notifications.tests.conftest import run_worker

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
NINE_IST = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)


@pytest.fixture
def booked(smtp):
    cal = bookable_calendar()
    patient = PatientFactory()
    appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=NINE_IST,
        mode="in_person",
        by=patient,
        now=NOW,
    )
    run_worker()
    return Delivery.objects.filter(channel="email")


def as_before(deliveries) -> None:
    """The rows as they were before sending: a crash lost the update, or a backup is restored."""
    deliveries.update(status="queued", sent_at=None, claimed_until=None, attempts=1)


def test_every_accepted_message_is_in_the_journal(booked):
    assert {journal.entry(d) for d in booked} <= journal.keys()
    assert booked.count() == 2 and all(d.status == "sent" for d in booked)


def test_a_worker_killed_before_recording_the_send_does_not_send_again(booked, smtp):
    sent = len(smtp.messages)
    as_before(booked)
    for delivery in booked:
        assert send_delivery.call(delivery_id=delivery.pk) == "already accepted (journal)"
    assert len(smtp.messages) == sent
    assert all(d.status == "sent" for d in booked.all())


def test_after_a_restore_reconcile_marks_the_accepted_ones_sent(booked, smtp, capsys):
    sent = len(smtp.messages)
    as_before(booked)
    booked.update(attempts=0)  # a backup taken before any try
    call_command("reconcile_sent")
    assert "2 message(s) already accepted" in capsys.readouterr().out
    run_worker()
    assert len(smtp.messages) == sent


def test_a_database_seeded_afresh_never_matches_old_lines(booked, smtp):
    first = list(booked)
    # The same ids and keys, but a different appointment: another database's.
    Appointment.objects.update(created_at=datetime(2027, 1, 1, tzinfo=UTC))
    Delivery.objects.filter(pk__in=[d.pk for d in first]).update(status="queued", attempts=1)
    for delivery in first:
        assert send_delivery.call(delivery_id=delivery.pk) == "sent"


def test_a_message_written_again_from_a_restored_task_is_not_sent_again(booked, smtp):
    """The backup was taken before the worker turned the change into messages: after the
    restore its task writes them again, after reconcile_sent ran; the send finds them."""
    sent = len(smtp.messages)
    rows = list(booked.values())
    booked.delete()  # as in the backup: not written yet
    for row in rows:  # the restored task writes them again, later, with new ids
        row.pop("id")
        again = Delivery.objects.create(
            **{**row, "status": "queued", "attempts": 0, "sent_at": None}
        )
        assert send_delivery.call(delivery_id=again.pk) == "already accepted (journal)"
    assert len(smtp.messages) == sent
