"""Writes for API access: tokens and idempotency records."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from carebook.accounts.models import User
from carebook.api.models import ApiToken, IdempotencyRecord
from carebook.core.timeutils import now as utcnow

TOKEN_PREFIX = "cb_"


def token_digest(raw: str) -> str:
    # The token carries 256 random bits, so a fast digest is enough to keep the stored copy useless.
    return hashlib.sha256(raw.encode()).hexdigest()


def token_lifetime() -> timedelta:
    return timedelta(days=getattr(settings, "CAREBOOK_API_TOKEN_DAYS", 30))


def token_create(
    *, user: User, name: str = "", now: datetime | None = None
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
    return token, raw


def token_revoke(*, token: ApiToken, now: datetime | None = None) -> ApiToken:
    """Revoke a token; revoking twice keeps the first time."""
    now = now or utcnow()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
    return token


def token_touch(*, token: ApiToken, now: datetime) -> None:
    """Record use at most once a minute, so reads do not turn into a write each."""
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


class IdempotencyConflict(Exception):
    """The key is in use: by a different request (`reused`) or one still running."""

    def __init__(self, *, reused: bool):
        self.reused = reused
        super().__init__("reused" if reused else "in progress")


def idempotency_ttl() -> timedelta:
    return timedelta(hours=getattr(settings, "CAREBOOK_IDEMPOTENCY_HOURS", 24))


# A request that has been "in progress" this long died with its process; its key is free again.
STALE_IN_PROGRESS = timedelta(minutes=10)


def idempotency_begin(
    *, user: User, key: str, request_hash: str, now: datetime | None = None
) -> IdempotencyRecord:
    """Claim `key` for this request, or return the finished record to replay.

    Raises IdempotencyConflict when the key belongs to another request or is still running.
    """
    now = now or utcnow()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user=user, key=key, request_hash=request_hash
                )
        except IntegrityError:
            pass
        else:
            # Keys past their lifetime answer nothing any more; clear them out as we go.
            IdempotencyRecord.objects.filter(created_at__lt=now - idempotency_ttl()).delete()
            return record
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is None:
            continue  # deleted between our insert and our read; try again
        expired = record.created_at < now - idempotency_ttl()
        stale = (
            record.state == IdempotencyRecord.State.IN_PROGRESS
            and record.updated_at < now - STALE_IN_PROGRESS
        )
        if expired or stale:
            IdempotencyRecord.objects.filter(pk=record.pk, updated_at=record.updated_at).delete()
            continue
        if record.request_hash != request_hash:
            raise IdempotencyConflict(reused=True)
        if record.state == IdempotencyRecord.State.IN_PROGRESS:
            raise IdempotencyConflict(reused=False)
        return record
    raise IdempotencyConflict(reused=False)


def idempotency_finish(*, record: IdempotencyRecord, status: int, body: str) -> None:
    record.state = IdempotencyRecord.State.DONE
    record.response_status = status
    record.response_body = body
    record.save(update_fields=["state", "response_status", "response_body", "updated_at"])


def idempotency_abandon(*, record: IdempotencyRecord) -> None:
    """Free the key after an unexpected failure, so the client may simply retry."""
    IdempotencyRecord.objects.filter(pk=record.pk).delete()
