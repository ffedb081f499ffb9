from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebook.core.access_log import AccessLog, AccessLogPurge  # noqa: F401
from carebook.core.security_log import SecurityEvent, SecurityLogPurge  # noqa: F401


class IdempotencyRecord(models.Model):
    """The answer to one unsafe request made with an Idempotency-Key, per user and key.

    Written in the request's own transaction: it exists exactly when the change it answers does.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
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
        return f"{self.key} ({self.response_status})"


class WorkerHeartbeat(models.Model):
    """A live task worker says so every few seconds (`manage.py worker`).

    The reaper requeues a task whose worker stopped beating, within a minute instead of
    waiting out the long timeout that covers workers without a heartbeat.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("task worker heartbeat")

    def __str__(self):
        return f"{self.worker_id} (seen {self.seen_at:%H:%M:%S})"
