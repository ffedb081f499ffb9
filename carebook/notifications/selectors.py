"""Reads for notifications, filtered to what the acting user may see."""

import hashlib

from django.db.models import QuerySet

from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.booking.selectors import appointment_visible_to
from carebook.notifications import ics
from carebook.notifications.models import (
    CalendarFeedToken,
    Delivery,
    Notification,
    NotificationPreference,
    NotificationSettings,
)


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def preferences_for(*, user: User) -> NotificationPreference:
    """`user`'s channel choices, or the defaults (email yes, SMS no) when never saved."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user
    )


def calendar_token_live(*, user: User) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).first()


def calendar_token_find(*, token: str) -> CalendarFeedToken | None:
    """The live token behind a feed URL, with its owner, or None (wrong, revoked, suspended)."""
    if not token or len(token) > 200:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    return (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=digest, revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def feed_appointments(*, user: User) -> QuerySet[Appointment]:
    """The appointments in `user`'s own calendar feed: theirs, still keeping their time."""
    qs = appointment_visible_to(user).filter(status__in=ics.feed_statuses())
    if user.is_practitioner:
        return qs.filter(practitioner__user=user).order_by("start")
    if user.is_patient:
        return qs.filter(patient=user).order_by("start")
    return qs.none()


def deliveries_for_staff(*, user: User, status: str = "", channel: str = "") -> QuerySet[Delivery]:
    if not user.is_authenticated or not user.is_staff:
        return Delivery.objects.none()
    qs = Delivery.objects.select_related("recipient").defer("html", "ics")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("-created_at", "-id")


def reminder_offsets() -> list[int]:
    """Minutes before an appointment that its reminders go out, longest first."""
    offsets = NotificationSettings.current().reminder_offsets
    return sorted({int(m) for m in offsets if int(m) > 0}, reverse=True)
