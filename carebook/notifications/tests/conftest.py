import email
import socket
from email import policy

import pytest
import time_machine
from aiosmtpd.controller import Controller

from carebook.booking.services import appointment_book
from carebook.core.tests.tasks import run_worker  # noqa: F401 - the notification tests' worker
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
