"""Ending a user's credentials: every session, every API token, and (through an event) every
calendar feed; and the password changes that must do so."""

from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.db.models import F

from carebook.accounts.models import User
from carebook.accounts.sessions import session_stamp
from carebook.accounts.tokens import tokens_revoke_all
from carebook.core import events
from carebook.core.errors import PermissionDenied
from carebook.core.security_log import security_event


@transaction.atomic
def credentials_revoke(*, user: User, by: User | None, reason: str, request=None) -> User:
    """End every session of `user` at its next request, revoke their API tokens, and tell
    subscribers (notifications revokes the calendar feeds), in one transaction. `by` is the
    user themselves, staff, or None for the system (a password reset link).

    Works with any session backend: sessions carry the epoch they were stamped with, and
    `sessions.SessionLimitMiddleware` ends those older than the user's.
    """
    if by is not None and by.pk != user.pk and not by.is_staff:
        raise PermissionDenied()
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    tokens = tokens_revoke_all(user=user, request=request)
    events.emit(events.CREDENTIALS_REVOKED, user=user, by=by, reason=reason)
    who = f" by {by.email}" if by is not None and by.pk and by.pk != user.pk else ""
    security_event(
        kind="sessions_revoked",
        user=user,
        request=request,
        detail=f"{reason}{who}; {tokens} API token(s)",
    )
    return user


@transaction.atomic
def password_change(*, user: User, new_password: str, request=None) -> User:
    """Set `user`'s new password (the form checked the old one and the validators) and end
    every other session and credential; the caller's own session stays (see `session_keep`)."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    security_event(kind="password_changed", user=user, request=request)
    return credentials_revoke(user=user, by=user, reason="password changed", request=request)


@transaction.atomic
def password_reset_complete(*, user: User, request=None) -> User:
    """After a reset link set a new password: end every session and credential of `user`."""
    security_event(kind="password_reset", user=user, request=request)
    return credentials_revoke(user=user, by=None, reason="password reset", request=request)


def session_keep(request, user: User) -> None:
    """Keep the caller's own session alive after `credentials_revoke(user=request.user)`:
    the new password hash and the new epoch go into it."""
    update_session_auth_hash(request, user)
    session_stamp(request.session, user, fresh=False)
