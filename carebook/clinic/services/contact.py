"""Writes on messages from the public contact form, a few an hour per address and per email."""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from carebook.accounts import throttle
from carebook.accounts.models import User
from carebook.accounts.services import ensure_staff
from carebook.clinic.models import ContactMessage
from carebook.core.errors import IllegalTransition
from carebook.core.events import CONTACT_MESSAGE_RECEIVED, CONTACT_TOPIC, STAFF_TASK_DONE, emit
from carebook.core.timeutils import now as utcnow

CONTACT_SCOPE = "contact"
CONTACT_WINDOW = timedelta(hours=1)
CONTACT_PER_EMAIL = 5
CONTACT_PER_CLIENT = 10


@transaction.atomic
def contact_message_create(
    *, name: str, email: str, subject: str, message: str, phone: str = "", request=None
) -> ContactMessage:
    """Store a message from the public contact form and tell whoever listens (staff).

    Raises RateLimited when the email (or, given the request, the client) sent too many lately.
    """
    wait = throttle.rate_limit_hit(
        scope=CONTACT_SCOPE,
        limits=[
            (throttle.email_limit_key(email), CONTACT_PER_EMAIL),
            (throttle.client_limit_key(request), CONTACT_PER_CLIENT),
        ],
        window=CONTACT_WINDOW,
    )
    if wait:
        raise throttle.RateLimited(
            _("You have sent several messages in the last hour. Please wait, or call the clinic."),
            retry_after=wait,
        )
    contact = ContactMessage.objects.create(
        name=name, email=email, phone=phone, subject=subject, message=message
    )
    emit(CONTACT_MESSAGE_RECEIVED, message=contact)
    return contact


@transaction.atomic
def contact_message_mark_handled(*, message: ContactMessage, by: User) -> ContactMessage:
    """Record that staff have dealt with a contact-form message."""
    ensure_staff(by)
    message = ContactMessage.objects.select_for_update().get(pk=message.pk)
    if message.handled_at is not None:
        raise IllegalTransition(_("This message is already marked as handled."))
    message.handled_at = utcnow()
    message.save(update_fields=["handled_at"])
    emit(STAFF_TASK_DONE, topic=CONTACT_TOPIC.format(pk=message.pk))
    return message
