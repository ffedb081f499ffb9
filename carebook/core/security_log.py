"""Who logged in, failed, was throttled, changed a credential, through which door: append-only.

Services call `security_event` at the moment a security-relevant thing happens (a login at any
door, a password change, an MFA step, a token revoked), so no page, endpoint or admin screen can
forget it. The database refuses UPDATE and DELETE on the table (triggers in core's migrations);
the only way to remove old rows is `manage.py purge_security_log`, which leaves a
`SecurityLogPurge` row behind.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebook.core.access_log import AccessLog
from carebook.core.append_only import EVERYTHING, PurgeRecord, purge_before, purge_log

Door = AccessLog.Door

USER_AGENT_MAX = 300
DETAIL_MAX = 500


class SecurityEvent(models.Model):
    """One security-relevant event: who (or which email was typed), what, from where, when."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Login failed")
        THROTTLED = "throttled", _("Login throttled")
        LOGOUT = "logout", _("Logged out")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
        PASSWORD_RESET = "password_reset", _("Password reset")
        MFA_ENROLLED = "mfa_enrolled", _("Two-factor enrolled")
        MFA_VERIFIED = "mfa_verified", _("Two-factor verified")
        MFA_FAILED = "mfa_failed", _("Two-factor failed")
        MFA_RESET = "mfa_reset", _("Two-factor reset")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        FEED_REVOKED = "feed_revoked", _("Calendar feed revoked")
        SESSIONS_REVOKED = "sessions_revoked", _("Sessions revoked")
        SUSPENDED = "suspended", _("Account suspended")
        STEP_UP = "step_up", _("Re-authenticated")
        DATA_EXPORTED = "data_exported", _("Data exported")

    # A default, not auto_now_add, so copied rows keep the time they happened.
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind)
    # PROTECT: an account with a security history is suspended, never deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events",
    )
    email = models.CharField(_("email"), max_length=254, blank=True)
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=USER_AGENT_MAX, blank=True)
    door = models.CharField(_("door"), max_length=8, choices=Door, blank=True)
    detail = models.CharField(_("detail"), max_length=DETAIL_MAX, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at"], name="securityevent_at"),
            models.Index(fields=["user", "-at"], name="securityevent_user_at"),
            models.Index(fields=["email", "-at"], name="securityevent_email_at"),
            models.Index(fields=["kind", "-at"], name="securityevent_kind_at"),
        ]

    def __str__(self):
        who = self.email or f"user {self.user_id}"
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {who} ({self.door or '-'})"


class SecurityLogPurge(PurgeRecord):
    """One run of `purge_security_log` (see `PurgeRecord`)."""

    cutoff = models.DateTimeField(_("events before"))

    class Meta(PurgeRecord.Meta):
        verbose_name = _("security log purge")


def door_of(path: str) -> str:
    """The door a request came through, from its path."""
    if path.startswith("/api/"):
        return Door.REST
    if path.startswith("/fhir/"):
        return Door.FHIR
    if path.startswith("/admin/"):
        return Door.ADMIN
    return Door.WEB


def security_event(
    *, kind: str, user=None, email: str = "", request=None, detail: str = ""
) -> SecurityEvent:
    """Record one security event; the request (when given) says the door, address and agent.

    `email` is what was typed (for failures with no account); it defaults to the user's email.
    Within one request an event of one kind about one person is written once, so a service and
    the auth signal receivers (accounts.signals) that both see the same login make one row.
    """
    if kind not in SecurityEvent.Kind.values:
        raise ValueError(f"Unknown security event kind {kind!r}")
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    email = (email or getattr(user, "email", "") or "").strip().lower()[:254]
    if request is None:
        return _create(kind=kind, user=user, email=email, detail=detail)
    seen = request.__dict__.setdefault("_security_events", {})
    key = (kind, user.pk if user is not None else None, email)
    if key not in seen:
        seen[key] = _create(
            kind=kind,
            user=user,
            email=email,
            detail=detail,
            ip=getattr(request, "client_ip", None) or request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX],
            door=door_of(request.path),
        )
    return seen[key]


def _create(*, detail: str, **fields) -> SecurityEvent:
    return SecurityEvent.objects.create(detail=detail[:DETAIL_MAX], **fields)


def security_log_purge(
    *, before: datetime, ran_by: str, using: str = "default"
) -> SecurityLogPurge:
    """Delete the events before `before`, in one transaction, and leave the purge's own row."""
    return purge_log(
        log=SecurityEvent, purges=SecurityLogPurge, before=before, ran_by=ran_by, using=using
    )


def security_log_empty(*, ran_by: str, using: str = "default") -> int:
    """Delete every event through a purge window (for `flush`, which then empties the purge
    table too); callers hold the transaction."""
    return purge_before(
        log=SecurityEvent, purges=SecurityLogPurge, before=EVERYTHING, ran_by=ran_by, using=using
    ).deleted
