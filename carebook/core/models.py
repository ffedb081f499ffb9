from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebook.core.access_log import AccessLog, AccessLogPurge  # noqa: F401
from carebook.core.security_log import SecurityEvent, SecurityLogPurge  # noqa: F401


class IdempotencyRecord(models.Model):
    """The outcome of one unsafe request made with an Idempotency-Key, per user and key."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The body exactly as sent (jsonb would reorder its keys), so a replay is byte-identical.
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The table the api app created; the model moved here (REST and FHIR share it), the rows
        # stayed where they were.
        db_table = "api_idempotencyrecord"
        verbose_name = _("idempotency record")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")
        ]

    def __str__(self):
        return f"{self.key} ({self.state})"
