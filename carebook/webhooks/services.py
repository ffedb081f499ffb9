"""Writes of webhooks: register and remove endpoints, publish events, replay a delivery.

Publishing runs inside the change's transaction (a domain event handler): it stores the
message and one delivery per subscribed endpoint and enqueues their sending, so a change that
rolls back sends nothing, and the POST itself happens after commit, in `tasks.deliver`.
"""

import json
import secrets
from dataclasses import dataclass
from functools import cache

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.billing.models import CreditNote, Invoice, Payment
from carebook.booking.models import AppointmentHistory
from carebook.core.errors import IllegalTransition, InvalidInput
from carebook.core.security_log import SecurityEvent, security_event
from carebook.core.timeutils import now as utcnow
from carebook.core.transactions import atomic_write
from carebook.webhooks import payloads, tasks
from carebook.webhooks.catalogue import APPOINTMENT_ACTIONS, EVENT_TYPES
from carebook.webhooks.models import Attempt, Delivery, Endpoint, Message
from carebook.webhooks.secrets import secret_check, secret_encrypt, secret_generate
from carebook.webhooks.selectors import staff_only
from carebook.webhooks.targets import address_for

MAX_ENDPOINTS = 50
REGISTRATIONS_LOCK = 0x77686B73  # "whks": the advisory lock of endpoint registrations


@dataclass(frozen=True)
class Registered:
    endpoint: Endpoint
    secret: str  # shown to the person once; only its encryption is stored


def _events_check(events: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(e.strip() for e in events if e.strip()))
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(_("Unknown event: %(names)s.") % {"names": ", ".join(unknown)})
    if not chosen:
        raise InvalidInput(_("Choose at least one event."))
    return chosen


def endpoint_create(
    *,
    url: str,
    events: list[str],
    by: User,
    description: str = "",
    secret: str = "",
    request=None,
) -> Registered:
    """Register an endpoint (staff only); its secret is the given one or a new one."""
    staff_only(by)
    events = _events_check(events)
    url = url.strip()
    address_for(url)  # public https, resolving to public addresses only (before any lock)
    secret = secret_check(secret) if secret.strip() else secret_generate()
    endpoint = _endpoint_insert(
        url=url,
        events=events,
        description=description.strip()[:200],
        secret=secret,
        by=by,
        request=request,
    )
    return Registered(endpoint=endpoint, secret=secret)


def _registrations_lock() -> None:
    """One registration at a time, until this transaction ends, so two cannot both count
    below the limit (PostgreSQL; SQLite's IMMEDIATE transactions already write one by one)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REGISTRATIONS_LOCK])


@atomic_write
def _endpoint_insert(
    *, url: str, events: list[str], description: str, secret: str, by: User, request
) -> Endpoint:
    _registrations_lock()
    if Endpoint.objects.count() >= MAX_ENDPOINTS:
        raise InvalidInput(_("At most %(n)d webhook endpoints.") % {"n": MAX_ENDPOINTS})
    endpoint = Endpoint.objects.create(
        url=url,
        description=description,
        events=events,
        secret_encrypted=secret_encrypt(secret),
        created_by=by,
    )
    security_event(
        kind=SecurityEvent.Kind.TOKEN_CREATED,
        user=by,
        request=request,
        detail=f"webhook endpoint {endpoint.pk} created: {url[:300]} ({', '.join(events)})",
    )
    return endpoint


@atomic_write
def endpoint_delete(*, endpoint: Endpoint, by: User, request=None) -> None:
    """Remove an endpoint and its delivery log (staff only); queued sends find nothing to do."""
    staff_only(by)
    endpoint = Endpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
    if endpoint is None:
        return
    security_event(
        kind=SecurityEvent.Kind.TOKEN_REVOKED,
        user=by,
        request=request,
        detail=f"webhook endpoint {endpoint.pk} deleted: {endpoint.url[:300]}",
    )
    endpoint.delete()


@atomic_write
def delivery_replay(*, delivery: Delivery, by: User) -> Delivery:
    """Send a finished delivery again, the same message (same webhook-id) with a new signature."""
    staff_only(by)
    delivery = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    if delivery.status == Delivery.Status.PENDING:
        raise IllegalTransition(_("This delivery is still being tried."))
    if not delivery.endpoint.is_active:
        raise IllegalTransition(_("This endpoint is disabled."))
    delivery.status = Delivery.Status.PENDING
    delivery.claimed_until = None
    delivery.save(update_fields=["status", "claimed_until"])
    tasks.deliver.enqueue(delivery_id=delivery.pk, trigger=Attempt.Trigger.REPLAY)
    return delivery


@cache
def _listening_sql() -> str:
    table = connection.ops.quote_name(Endpoint._meta.db_table)
    return f"SELECT id, events FROM {table} WHERE is_active ORDER BY id"  # noqa: S608


def _listening(event_type: str) -> list[int]:
    """The active endpoints subscribed to `event_type`: one constant statement, as every
    appointment change asks it (and most clinics have no endpoint at all)."""
    with connection.cursor() as cursor:
        cursor.execute(_listening_sql())
        rows = cursor.fetchall()
    return [pk for pk, events in rows if event_type in json.loads(events)]


def publish(event_type: str, build) -> Message | None:
    """Queue `event_type` for every active endpoint subscribed to it (inside the caller's
    transaction); `build()` makes the data only when someone listens."""
    endpoints = _listening(event_type)
    if not endpoints:
        return None
    now = utcnow()
    body = {"type": event_type, "timestamp": now, "data": build()}
    message = Message.objects.create(
        msg_id=f"msg_{secrets.token_urlsafe(18)}",
        type=event_type,
        body=json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":")),
    )
    for endpoint_id in endpoints:
        delivery = Delivery.objects.create(endpoint_id=endpoint_id, message=message)
        tasks.deliver.enqueue(delivery_id=delivery.pk, trigger=Attempt.Trigger.EVENT)
    return message


# Domain event handlers (subscribed in apps.py) ---------------------------------------------------


def on_appointment_changed(*, history: AppointmentHistory, **_) -> None:
    event_type = APPOINTMENT_ACTIONS.get(history.action)
    if event_type is not None:
        publish(event_type, lambda: payloads.appointment_data(history))


def on_invoice_issued(*, invoice: Invoice, **_) -> None:
    publish("invoice.issued", lambda: payloads.invoice_data(invoice))


def on_payment_captured(*, payment: Payment, **_) -> None:
    publish("payment.captured", lambda: payloads.payment_data(payment))


def on_credit_note_issued(*, credit_note: CreditNote, **_) -> None:
    publish("credit_note.issued", lambda: payloads.credit_note_data(credit_note))


def on_payment_refunded(*, credit_note: CreditNote, **_) -> None:
    publish("payment.refunded", lambda: payloads.credit_note_data(credit_note))
