"""Writes on messages from the public contact form."""

from django.db import transaction
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.accounts.services import ensure_staff
from carebook.clinic.models import ContactMessage
from carebook.core.errors import IllegalTransition
from carebook.core.events import CONTACT_MESSAGE_RECEIVED, emit
from carebook.core.timeutils import now as utcnow


@transaction.atomic
def contact_message_create(
    *, name: str, email: str, subject: str, message: str, phone: str = ""
) -> ContactMessage:
    """Store a message from the public contact form and tell whoever listens (staff)."""
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
    return message
