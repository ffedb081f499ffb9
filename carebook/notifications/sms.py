"""Text messages: a small provider interface; the backend is chosen by CAREBOOK_SMS_BACKEND.

A gateway plugs in as a class with `send(to, text)` that raises on failure (the task retries).
"""

import logging
import sys
import threading

from django.utils.module_loading import import_string

from carebook.notifications import conf

MAX_LENGTH = 160

logger = logging.getLogger(__name__)


class BaseSmsBackend:
    def send(self, to: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Print the message (the worker's console), like Django's console email backend."""

    _lock = threading.Lock()

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, to: str, text: str) -> None:
        with self._lock:
            self.stream.write(f"SMS to {to}: {text}\n{'-' * 79}\n")
            self.stream.flush()


class LogSmsBackend(BaseSmsBackend):
    def send(self, to: str, text: str) -> None:
        logger.info("SMS to %s: %s", to, text)


class LocmemSmsBackend(BaseSmsBackend):
    """Keep messages in `LocmemSmsBackend.outbox`, for tests."""

    outbox: list[tuple[str, str]] = []

    def send(self, to: str, text: str) -> None:
        type(self).outbox.append((to, text))


def send_sms(*, to: str, text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise ValueError(f"An SMS must fit in {MAX_LENGTH} characters, this has {len(text)}.")
    import_string(conf.sms_backend_path())().send(to, text)


def fit(text: str, link: str = "") -> str:
    """`text` and `link` in one SMS: the link goes first when space runs out, then text is cut."""
    if link and len(text) + 1 + len(link) <= MAX_LENGTH:
        return f"{text} {link}"
    if len(text) <= MAX_LENGTH:
        return text
    return text[: MAX_LENGTH - 3].rstrip() + "..."
