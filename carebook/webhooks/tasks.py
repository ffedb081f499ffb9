"""Sending webhooks (django-tasks, database backend), after the change committed.

A delivery is claimed for a lease before its POST, so two runs never send it at once; each
attempt is logged. A failed attempt raises, and `retried` enqueues the next one with a growing
delay, up to the task attempt limit; 410 Gone disables the endpoint (Standard Webhooks).
Receivers drop copies by `webhook-id`, which stays the same on every attempt.
"""

import logging
import time
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django_tasks import task
from standardwebhooks.webhooks import Webhook

from carebook.core.tasks import max_attempts, retried
from carebook.core.timeutils import now as utcnow
from carebook.webhooks import sender
from carebook.webhooks.models import Attempt, Delivery, Endpoint, Message
from carebook.webhooks.secrets import secret_decrypt

logger = logging.getLogger(__name__)

PENDING, SUCCEEDED, FAILED = (
    Delivery.Status.PENDING,
    Delivery.Status.SUCCEEDED,
    Delivery.Status.FAILED,
)


class DeliveryFailed(Exception):
    """The endpoint did not take the message (no answer, or not 2xx); the task retries."""


def claim_lease() -> timedelta:
    """How long a run holds a delivery: the POST's whole deadline, plus room for resolving the
    name (which no timeout of ours bounds) and the database, so a second run never starts
    while the first may still be sending."""
    return timedelta(seconds=sender.timeout_seconds() * 2 + 150)


def signed_headers(*, msg_id: str, body: str, secret: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one attempt (the timestamp is the attempt's)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=body),
    }


def _finish(delivery: Delivery, outcome: sender.Outcome, *, trigger: str, at, final: bool) -> None:
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            at=at,
            trigger=trigger,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error[:500],
            response=outcome.response[:1000],
        )
        gone = outcome.status_code == 410
        if gone:
            Endpoint.objects.filter(pk=delivery.endpoint_id).update(
                is_active=False, disabled_reason="The endpoint answered 410 Gone."
            )
        status = SUCCEEDED if outcome.ok else FAILED if (final or gone) else PENDING
        Delivery.objects.filter(pk=delivery.pk).update(
            status=status, claimed_until=None, last_attempt_at=at
        )


def _send(endpoint: Endpoint, message: Message, *, at: datetime) -> sender.Outcome:
    """Sign and POST; anything that goes wrong (a secret no SECRET_KEY decrypts, a URL
    http.client cannot encode) is a failed attempt, logged, never a claim left behind."""
    started = time.monotonic()
    try:
        headers = signed_headers(
            msg_id=message.msg_id,
            body=message.body,
            secret=secret_decrypt(endpoint.secret_encrypted),
            at=at,
        )
        return sender.post(url=endpoint.url, body=message.body.encode(), headers=headers)
    except Exception as exc:
        logger.warning("webhook delivery to endpoint %s failed", endpoint.pk, exc_info=True)
        took = int((time.monotonic() - started) * 1000)
        return sender.Outcome(None, took, error=f"{type(exc).__name__}: {exc}"[:500])


@task()
@retried
def deliver(delivery_id: int, trigger: str = Attempt.Trigger.EVENT, attempt: int = 1) -> str:
    """POST one message to one endpoint, signed; at most one run sends it at a time."""
    now = utcnow()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status=PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=now + claim_lease(), attempts=F("attempts") + 1)
    )
    if not claimed:
        state = Delivery.objects.filter(pk=delivery_id).values("status", "claimed_until").first()
        if state is None or state["status"] != PENDING:
            return state["status"] if state else "no such delivery"
        # Another run is sending it: look again once its claim lapses (if it died meanwhile).
        deliver.using(run_after=state["claimed_until"]).enqueue(
            delivery_id=delivery_id, trigger=trigger, attempt=attempt
        )
        return "being sent elsewhere"
    delivery = Delivery.objects.select_related("endpoint", "message").filter(pk=delivery_id).first()
    if delivery is None:
        return "endpoint deleted"
    endpoint, message = delivery.endpoint, delivery.message
    if not endpoint.is_active:
        Delivery.objects.filter(pk=delivery_id).update(status=FAILED, claimed_until=None)
        return "endpoint disabled"
    outcome = _send(endpoint, message, at=now)
    final = attempt >= max_attempts()
    shown_as = Attempt.Trigger.RETRY if attempt > 1 else trigger
    _finish(delivery, outcome, trigger=shown_as, at=now, final=final)
    if outcome.ok:
        return f"{outcome.status_code} in {outcome.duration_ms} ms"
    if outcome.status_code == 410:
        return "410 Gone: endpoint disabled"
    raise DeliveryFailed(outcome.error or f"HTTP {outcome.status_code}")
