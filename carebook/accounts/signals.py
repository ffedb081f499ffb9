"""Django's own login, logout and failed-login signals, written to the security log.

`accounts.login` records the logins it decides; these receivers catch every other way in or
out (logging in right after registering, /admin/, `logout`), and `security_event` writes one
row per request for an event both see.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from carebook.accounts import throttle
from carebook.accounts.models import User
from carebook.core.security_log import SecurityEvent, security_event

Kind = SecurityEvent.Kind


def _event(*, kind: str, request, **fields) -> None:
    if request is not None:
        throttle.client_ip(request)  # sets request.client_ip: the address behind trusted proxies
    security_event(kind=kind, request=request, **fields)


@receiver(user_logged_in, dispatch_uid="security_log_login")
def log_login(sender, request, user: User, **kwargs) -> None:
    _event(kind=Kind.LOGIN, user=user, request=request)


@receiver(user_logged_out, dispatch_uid="security_log_logout")
def log_logout(sender, request, user: User | None, **kwargs) -> None:
    if user is not None:
        _event(kind=Kind.LOGOUT, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="security_log_login_failed")
def log_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    email = str(credentials.get("username") or credentials.get("email") or "")
    _event(kind=Kind.LOGIN_FAILED, email=email, request=request)
