"""Notification settings, read when used (never at import) so tests and deploys can change them.

Each comes from the Django setting of the same name, else the environment variable of that
name (until settings.py reads them itself), else the default here.
"""

from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings

from carebook.core.tasks import setting as _setting

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_SMS_BACKEND = "carebook.notifications.sms.ConsoleSmsBackend"


def base_url() -> str:
    """Where people reach carebook; links in emails and SMS start with it."""
    return str(_setting("CAREBOOK_BASE_URL", DEFAULT_BASE_URL)).rstrip("/")


def absolute(path: str) -> str:
    return f"{base_url()}{path}"


def sms_backend_path() -> str:
    return _setting("CAREBOOK_SMS_BACKEND", DEFAULT_SMS_BACKEND)


def running_timeout() -> timedelta:
    """A task RUNNING longer than this lost its worker and is queued again by the reaper."""
    return timedelta(seconds=int(_setting("CAREBOOK_TASK_RUNNING_TIMEOUT_SECONDS", 600)))


def reap_interval() -> timedelta:
    return timedelta(seconds=int(_setting("CAREBOOK_TASK_REAP_INTERVAL_SECONDS", 30)))


def worker_dead_after() -> timedelta:
    """A worker whose heartbeat is older than this is gone; its tasks are queued again."""
    return timedelta(seconds=int(_setting("CAREBOOK_WORKER_DEAD_AFTER_SECONDS", 30)))


def send_timeout() -> int:
    """Seconds an SMTP conversation may take, so a dead mail server cannot hang a worker."""
    return int(_setting("EMAIL_TIMEOUT", 30))


def claim_lease() -> timedelta:
    """How long a worker owns a message it is sending; comfortably longer than a send."""
    return timedelta(seconds=send_timeout() * 4)


def from_address() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "noreply@carebook.local"
