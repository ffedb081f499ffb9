"""Webhook endpoints staff register, the events sent to them, and every attempt to send one."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Endpoint(models.Model):
    """A URL that receives the events it subscribed to, signed with its own secret."""

    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    # A Fernet token of the `whsec_…` secret (carebook.webhooks.secrets): shown once, never again.
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url


class Message(models.Model):
    """One event as sent: its id and body stay the same on every attempt and every endpoint."""

    msg_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=40)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook message")

    def __str__(self):
        return f"{self.msg_id} {self.type}"


class Delivery(models.Model):
    """One message to one endpoint: queued until an attempt gets a 2xx, or attempts run out."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(_("status"), max_length=16, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # A worker sending it holds it until then (another run waits, so it is never sent twice).
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "message"], name="webhook_delivery_once")
        ]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_recent")]

    def __str__(self):
        return f"{self.message} → {self.endpoint} ({self.status})"


class Attempt(models.Model):
    """One POST of a delivery: what the endpoint answered (or why there was no answer)."""

    class Trigger(models.TextChoices):
        EVENT = "event", _("Event")
        RETRY = "retry", _("Retry")
        REPLAY = "replay", _("Replay")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    trigger = models.CharField(max_length=8, choices=Trigger, default=Trigger.EVENT)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    response = models.CharField(_("response (start)"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
