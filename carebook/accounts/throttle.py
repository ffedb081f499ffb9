"""Slow down password guessing: refuse logins after repeated failures, per email and per address.

Counted in the database so every web process sees the same numbers.
"""

from datetime import timedelta

from django.utils import timezone

from carebook.accounts.models import FailedLogin

WINDOW = timedelta(minutes=15)
MAX_PER_EMAIL = 5
MAX_PER_IP = 30


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def login_blocked(*, email: str, ip: str | None) -> bool:
    since = timezone.now() - WINDOW
    recent = FailedLogin.objects.filter(at__gte=since)
    if recent.filter(email=email.lower()).count() >= MAX_PER_EMAIL:
        return True
    return ip is not None and recent.filter(ip=ip).count() >= MAX_PER_IP


def login_failed(*, email: str, ip: str | None) -> None:
    FailedLogin.objects.create(email=email.lower()[:254], ip=ip)
    FailedLogin.objects.filter(at__lt=timezone.now() - 4 * WINDOW).delete()


def login_succeeded(*, email: str) -> None:
    FailedLogin.objects.filter(email=email.lower()).delete()
