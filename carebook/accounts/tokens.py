"""API tokens: issue, revoke, look up and touch a user's bearer credential."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet

from carebook.accounts.models import ApiToken, User
from carebook.core.compiled import Compiled
from carebook.core.security_log import security_event
from carebook.core.timeutils import now as utcnow

TOKEN_PREFIX = "cb_"


def token_digest(raw: str) -> str:
    # The token carries 256 random bits, so a fast digest is enough to keep the stored copy useless.
    return hashlib.sha256(raw.encode()).hexdigest()


def token_lifetime() -> timedelta:
    return timedelta(days=getattr(settings, "CAREBOOK_API_TOKEN_DAYS", 30))


def token_create(
    *, user: User, name: str = "", now: datetime | None = None, request=None
) -> tuple[ApiToken, str]:
    """Issue a token for `user`; the raw value is returned once and never stored."""
    now = now or utcnow()
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:12],
        digest=token_digest(raw),
        expires_at=now + token_lifetime(),
    )
    security_event(kind="token_created", user=user, request=request, detail=token.prefix)
    return token, raw


def token_revoke(*, token: ApiToken, now: datetime | None = None, request=None) -> ApiToken:
    """Revoke a token; revoking twice keeps the first time."""
    now = now or utcnow()
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
    if revoked:
        security_event(kind="token_revoked", user=token.user, request=request, detail=token.prefix)
    return token


def tokens_revoke_all(*, user: User, now: datetime | None = None, request=None) -> int:
    """Revoke every live token of `user`; how many were live."""
    now = now or utcnow()
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    if revoked:
        security_event(kind="token_revoked", user=user, request=request, detail=f"all ({revoked})")
    return revoked


def tokens_live_for(*, user: User, now: datetime | None = None) -> QuerySet[ApiToken]:
    """`user`'s own tokens that still work, newest first."""
    now = now or utcnow()
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)


def token_touch(*, token: ApiToken, now: datetime) -> None:
    """Record use at most once a minute, so reads do not turn into a write each."""
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


# Every API request reads its token: built once (`core.compiled`).
_LIVE_BY_DIGEST = Compiled(
    ApiToken,
    lambda digest, now: (
        ApiToken.objects.select_related("user")
        .filter(digest=digest, revoked_at__isnull=True, expires_at__gt=now)
        .order_by("pk")[:1]
    ),
)


def token_get_live(*, raw: str, now: datetime) -> ApiToken | None:
    """The unexpired, unrevoked token with this value whose user may log in, else None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = _LIVE_BY_DIGEST.first(token_digest(raw), now)
    if token is None or not token.user.is_active or token.user.state == User.State.SUSPENDED:
        return None
    return token
