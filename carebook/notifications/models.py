from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_REMINDER_OFFSETS = [24 * 60, 60]  # minutes before the start


class Delivery(models.Model):
    """One message to one person on one channel; `key` makes sending it idempotent."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        IN_APP = "in_app", _("In-app")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    # "<appointment>:<event>:<history id or reminder offset>:<recipient>:<channel>"
    key = models.CharField(max_length=200, unique=True)
    appointment = models.ForeignKey(
        "booking.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=32)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel)
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    html = models.TextField(blank=True)
    ics = models.TextField(blank=True)
    ics_method = models.CharField(max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # A worker sending this message holds it until then; another run waits rather than resend.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self):
        return f"{self.get_channel_display()} to {self.to}: {self.event} ({self.status})"


class Notification(models.Model):
    """A message shown under the bell in the header."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=300)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # What a notice asks staff to act on: once anyone acts, every copy of it is read.
    topic = models.CharField(_("topic"), max_length=80, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """Which channels a person wants messages on; without a row: email yes, SMS no."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.BooleanField(_("email me about my appointments"), default=True)
    sms = models.BooleanField(_("text me (SMS) about my appointments"), default=False)

    class Meta:
        verbose_name = _("notification preference")

    def __str__(self):
        return (
            f"{self.user}: email {'on' if self.email else 'off'}, SMS {'on' if self.sms else 'off'}"
        )


class CalendarFeedToken(models.Model):
    """The secret in a private calendar feed URL; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed token")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_calendar_token_per_user",
            ),
        ]

    def __str__(self):
        return f"Calendar feed of {self.user_id} ({'revoked' if self.revoked_at else 'live'})"


class Reminder(models.Model):
    """A reminder due `offset_minutes` before an appointment; its task fires at `due_at`."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")

    appointment = models.ForeignKey(
        "booking.Appointment", on_delete=models.CASCADE, related_name="reminders"
    )
    offset_minutes = models.PositiveIntegerField(_("minutes before"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.SCHEDULED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "offset_minutes"], name="one_reminder_per_offset"
            ),
        ]

    def __str__(self):
        return f"Reminder {self.offset_minutes} min before appointment {self.appointment_id}"


class NotificationSettings(models.Model):
    """The clinic's notification settings (one row, made on first use)."""

    reminder_offsets = models.JSONField(_("reminders (minutes before)"), default=list, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return "Notification settings"

    @classmethod
    def current(cls) -> "NotificationSettings":
        row = cls.objects.order_by("pk").first()
        if row is None:
            row = cls.objects.create(reminder_offsets=list(DEFAULT_REMINDER_OFFSETS))
        return row
