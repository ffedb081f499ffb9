"""Asking for a password-reset mail: the same answer for every address, limited per address and
per client, and written to the security log."""

from collections.abc import Iterator
from datetime import timedelta

from carebook.accounts import throttle
from carebook.accounts.identity import email_normalise
from carebook.accounts.models import User
from carebook.core.security_log import security_event

SCOPE = "password_reset"
WINDOW = timedelta(hours=1)
PER_EMAIL = 3
PER_CLIENT = 10


def reset_users(*, email: str) -> Iterator[User]:
    """The active accounts a reset mail for `email` goes to: those with a password, and a
    walk-in patient the front desk registered with this email, claiming the account."""
    for user in User.objects.filter(email=email_normalise(email), is_active=True):
        if user.has_usable_password() or user.is_patient:
            yield user


def reset_request_allowed(*, email: str, request=None) -> bool:
    """Count a reset request; False (and a `throttled` event) when the address or the client
    asked too often within the hour. The caller answers the same either way."""
    email = email_normalise(email)
    user = next(reset_users(email=email), None)
    wait = throttle.rate_limit_hit(
        scope=SCOPE,
        limits=[
            (throttle.email_limit_key(email), PER_EMAIL),
            (throttle.client_limit_key(request), PER_CLIENT),
        ],
        window=WINDOW,
    )
    if wait:
        security_event(
            kind="throttled", user=user, email=email, request=request, detail="password reset"
        )
        return False
    security_event(kind="password_reset_requested", user=user, email=email, request=request)
    return True
