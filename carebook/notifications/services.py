"""Writes on notifications: enqueueing messages for changes, bells, feeds and preferences."""

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.booking.models import AppointmentHistory
from carebook.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from carebook.core.events import CONTACT_TOPIC, PRACTITIONER_TOPIC
from carebook.core.locking import lock
from carebook.core.security_log import security_event
from carebook.core.timeutils import now as utcnow
from carebook.notifications import tasks
from carebook.notifications.messages import CLAIM_CODE, NOTIFIED_ACTIONS, claim_code_sms
from carebook.notifications.models import (
    CalendarFeedToken,
    Delivery,
    Notification,
    NotificationPreference,
    NotificationSettings,
)

MAX_REMINDERS = 5
MAX_REMINDER_MINUTES = 14 * 24 * 60


_muted: ContextVar[bool] = ContextVar("carebook_notifications_muted", default=False)


@contextmanager
def notifications_muted() -> Iterator[None]:
    """Make appointment changes without telling anyone: for seeding demo data or importing
    past history, never for changes people make."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def notify_appointment_event(*, history: AppointmentHistory) -> None:
    """Enqueue the messages for an appointment change, in the caller's transaction.

    The task is a row in the same database: it exists exactly when the change commits.
    """
    if history.action in NOTIFIED_ACTIONS and not _muted.get():
        tasks.send_appointment_event.enqueue(history_id=history.pk)


def _link(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _notify_staff(*, text: str, link: str, topic: str = "") -> None:
    staff = User.objects.filter(role=User.Role.STAFF, state=User.State.ACTIVE)
    Notification.objects.bulk_create(
        Notification(user_id=pk, text=text[:300], link=link, topic=topic)
        for pk in staff.values_list("pk", flat=True)
    )


def notify_staff_task_done(*, topic: str) -> None:
    """Someone acted on what the notices about `topic` asked: they leave every bell."""
    Notification.objects.filter(topic=topic, read_at__isnull=True).update(read_at=utcnow())


def notify_staff_practitioner_registered(*, practitioner) -> None:
    """Tell staff a practitioner registered and waits for verification."""
    _notify_staff(
        text=_("%(name)s registered as a practitioner and waits for verification.")
        % {"name": practitioner.display_name},
        link=_link("office:registrations"),
        topic=PRACTITIONER_TOPIC.format(pk=practitioner.pk),
    )


def notify_staff_contact_message(*, message) -> None:
    """Tell staff a message came through the contact form."""
    _notify_staff(
        text=_("New contact message from %(name)s: %(subject)s")
        % {"name": message.name, "subject": message.subject},
        link=_link("office:messages"),
        topic=CONTACT_TOPIC.format(pk=message.pk),
    )


def claim_code_text(*, claim) -> None:
    """Handler of `phone_code.issued`: queue the SMS carrying the code, in the caller's
    transaction. The stored text hides the code; the task composes the real one as it sends."""
    minutes = int((claim.expires_at - claim.created_at).total_seconds() // 60)
    delivery, made = Delivery.objects.get_or_create(
        key=f"{CLAIM_CODE}:{claim.pk}",
        defaults={
            "event": CLAIM_CODE,
            "recipient": claim.user,
            "channel": Delivery.Channel.SMS,
            "to": claim.phone,
            "body": claim_code_sms(code="######", minutes=minutes),
        },
    )
    if made:
        tasks.send_delivery.enqueue(delivery_id=delivery.pk)


def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    if notification.user_id != user.pk:
        raise PermissionDenied()
    if notification.read_at is None:
        notification.read_at = utcnow()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=utcnow())


def preferences_update(*, user: User, email: bool, sms: bool) -> NotificationPreference:
    """Save which channels `user` wants; SMS goes to patients only."""
    pref, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email": email, "sms": sms and user.is_patient}
    )
    return pref


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ensure_feed_owner(user: User) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied()
    if not (user.is_patient or user.is_practitioner):
        raise PermissionDenied(_("Calendar feeds are for patients and practitioners."))


@transaction.atomic
def calendar_token_issue(*, user: User) -> str:
    """Make a new secret feed URL token for `user` (the old one stops working); returned once."""
    _ensure_feed_owner(user)
    lock(User, user.pk)
    calendar_token_revoke(user=user, reason="replaced")
    token = secrets.token_urlsafe(32)
    CalendarFeedToken.objects.create(user=user, token_hash=_hash(token))
    return token


@transaction.atomic
def calendar_token_revoke(*, user: User, reason: str = "turned off", request=None) -> int:
    """Turn off `user`'s calendar feed URL(s); how many were live."""
    revoked = CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=utcnow()
    )
    if revoked:
        security_event(kind="feed_revoked", user=user, request=request, detail=reason[:200])
    return revoked


def calendar_tokens_revoke_on_credentials(*, user: User, by: User | None, reason: str) -> None:
    """Handler of `credentials.revoked`: a user whose credentials end loses every feed URL."""
    calendar_token_revoke(user=user, reason=reason)


def calendar_token_used(*, token: CalendarFeedToken) -> None:
    """Note when a feed was last fetched (at most hourly: calendar clients poll often)."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > timedelta(hours=1):
        CalendarFeedToken.objects.filter(pk=token.pk).update(last_used_at=now)


def delivery_retry(*, delivery: Delivery, by: User) -> Delivery:
    """Send a failed message again (staff), with a fresh set of attempts."""
    if not by.is_staff:
        raise PermissionDenied()
    with transaction.atomic():
        updated = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.FAILED).update(
            status=Delivery.Status.QUEUED, claimed_until=None
        )
        if not updated:
            raise IllegalTransition(_("Only a failed message can be sent again."))
        tasks.send_delivery.enqueue(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def reminder_offsets_update(*, minutes: list[int], by: User) -> NotificationSettings:
    """Set how long before an appointment reminders go out (for appointments confirmed later)."""
    if not by.is_staff:
        raise PermissionDenied()
    minutes = sorted({int(m) for m in minutes}, reverse=True)
    if len(minutes) > MAX_REMINDERS:
        raise InvalidInput(_("Up to %(n)d reminders, please.") % {"n": MAX_REMINDERS})
    if any(m < 1 or m > MAX_REMINDER_MINUTES for m in minutes):
        raise InvalidInput(_("Reminders go out between one minute and 14 days before."))
    row = NotificationSettings.current()
    row.reminder_offsets = minutes
    row.save(update_fields=["reminder_offsets"])
    return row
