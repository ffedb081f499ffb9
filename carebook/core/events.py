"""Domain events: a lower app says what happened; higher apps react, after commit, in tasks.

`emit` runs every handler subscribed to the event inside the emitter's transaction. A handler
only writes to the task outbox (enqueues a task, which is a row in the same database) or to its
own tables, so its reaction exists exactly when the change does, and anything slow or external
(a gateway, SMTP, a webhook) runs later in the task, after commit. Handlers subscribe in their
app's `AppConfig.ready()`, so every process has the same registry.
"""

from collections import defaultdict
from collections.abc import Callable

from carebook.core.task_backend import outbox_batch

Handler = Callable[..., None]

_handlers: dict[str, list[Handler]] = defaultdict(list)

APPOINTMENT_CHANGED = "appointment.changed"
PRACTITIONER_REGISTERED = "practitioner.registered"
CONTACT_MESSAGE_RECEIVED = "contact_message.received"
# payload: topic — something that asked staff to act was acted on (by anyone)
STAFF_TASK_DONE = "staff_task.done"
PRACTITIONER_TOPIC = "practitioner-registration:{pk}"
CONTACT_TOPIC = "contact-message:{pk}"
# payload: user (whose sessions and API tokens were just revoked), by, reason
CREDENTIALS_REVOKED = "credentials.revoked"
# payload: claim (an accounts.ClaimCode: user, phone; the code is derived from it, never stored)
PHONE_CODE_ISSUED = "phone_code.issued"
# Billing, emitted where the row is created (payload: invoice / payment / credit_note)
INVOICE_ISSUED = "invoice.issued"
PAYMENT_CAPTURED = "payment.captured"
CREDIT_NOTE_ISSUED = "credit_note.issued"
# payload: credit_note — the gateway confirmed the money went back (online payments only)
PAYMENT_REFUNDED = "payment.refunded"


def subscribe(event: str, handler: Handler) -> None:
    """Run `handler(**payload)` whenever `event` is emitted (once, however often subscribed)."""
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def emit(event: str, **payload) -> None:
    """Tell every subscriber of `event`, inside the caller's transaction; the tasks they
    enqueue are written together (`outbox_batch`)."""
    with outbox_batch():
        for handler in _handlers.get(event, ()):
            handler(**payload)
