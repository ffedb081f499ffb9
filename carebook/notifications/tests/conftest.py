import email
import socket
from email import policy
from unittest import mock

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from carebook.booking.services import appointment_book
from carebook.notifications.sms import LocmemSmsBackend


class _Inbox:
    """Messages an SMTP server on loopback accepted, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address: str):
        return [m for rcpt, m in self.messages if address in rcpt]

    def clear(self):
        self.messages.clear()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 that Django's SMTP backend talks to."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


@pytest.fixture(autouse=True)
def _notification_settings(settings):
    settings.CAREBOOK_BASE_URL = "https://clinic.example"
    settings.CAREBOOK_SMS_BACKEND = "carebook.notifications.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []


@pytest.fixture
def sms_outbox():
    return LocmemSmsBackend.outbox


def run_worker(*, allow_failures: bool = False) -> list[DBTaskResult]:
    """Run `db_worker --batch` in this process: every task that is due, then return.

    Returns the results that failed during this run.
    """
    before = set(DBTaskResult.objects.failed().values_list("pk", flat=True))
    worker = db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    # The worker closes stale connections between tasks; inside a test transaction it must not.
    with mock.patch.object(db_worker, "close_old_connections"):
        worker.run()
    failed = list(DBTaskResult.objects.failed().exclude(pk__in=before))
    if not allow_failures:
        assert not failed, [f.traceback for f in failed]
    return failed


@pytest.fixture
def clock():
    """Move the clock (tick=False: time stands still between moves)."""

    class Clock:
        traveller = None

        def at(self, moment):
            if self.traveller is not None:
                self.traveller.stop()
            self.traveller = time_machine.travel(moment, tick=False)
            self.traveller.start()

    c = Clock()
    yield c
    if c.traveller is not None:
        c.traveller.stop()


def book(cal, patient, *, start, now, by=None, service=appointment_book):
    """Book (or hold, with `service=appointment_hold`) an in-person visit in `cal`."""
    return service(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        by=by or patient,
        now=now,
    )
