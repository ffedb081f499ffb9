"""Who read which part of a patient's clinical data, through which door: append-only.

Every clinical read by someone other than the patient calls `access_log_record` from the
selector that performs it, so no page, endpoint or admin screen can forget it. The database
refuses UPDATE and DELETE on the table (triggers in core's migrations); the only way to remove
old rows is `manage.py purge_access_log`, which leaves an `AccessLogPurge` row behind.
"""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebook.core.append_only import EVERYTHING, PurgeRecord, purge_before, purge_log


class AccessLog(models.Model):
    """One read of one piece of a patient's clinical data by someone other than the patient."""

    class What(models.TextChoices):
        RECORD = "record", _("Medical record")
        DOCUMENT = "document", _("Document")
        NOTE = "note", _("Session notes")
        PRESCRIPTION = "prescription", _("Prescription")
        PDF = "pdf", _("Prescription PDF")
        ADMISSION = "admission", _("Admissions")
        APPOINTMENT_REASON = "appointment_reason", _("Appointment reason")
        PATIENT_PROFILE = "patient_profile", _("Patient profile")

    class Door(models.TextChoices):
        WEB = "web", _("Web pages")
        REST = "rest", _("REST API")
        FHIR = "fhir", _("FHIR API")
        ADMIN = "admin", _("Admin site")

    # A default, not auto_now_add, so copied rows keep the time they were read.
    at = models.DateTimeField(_("at"), default=timezone.now, editable=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clinical_reads"
    )
    what = models.CharField(_("what"), max_length=32, choices=What)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    door = models.CharField(_("door"), max_length=8, choices=Door)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("clinical access")
        verbose_name_plural = _("clinical access log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at"], name="accesslog_at"),
            models.Index(fields=["patient", "-at"], name="accesslog_patient_at"),
            models.Index(fields=["by", "-at"], name="accesslog_by_at"),
        ]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M} user {self.by_id} read {self.what} of {self.patient_id} "
            f"({self.door})"
        )


class AccessLogPurge(PurgeRecord):
    """One run of `purge_access_log` (see `PurgeRecord`)."""

    cutoff = models.DateTimeField(_("rows read before"))

    class Meta(PurgeRecord.Meta):
        verbose_name = _("access log purge")


def access_log_record(
    *,
    by,
    patient_id: int,
    what: str,
    ids: Iterable[int | None] = (None,),
    door: str,
    path: str = "",
) -> None:
    """Record that `by` read `what` of the patient (one row per object id) through `door`;
    nothing when the reader is the patient."""
    access_log_record_reads(
        by=by, what=what, reads=[(patient_id, i) for i in ids or (None,)], door=door, path=path
    )


def access_log_record_reads(
    *, by, what: str, reads: Iterable[tuple[int, int | None]], door: str, path: str = ""
) -> None:
    """The same for many patients at once, as (patient id, object id) pairs, in one insert."""
    if door not in AccessLog.Door.values:
        raise ValueError(f"Unknown door {door!r}")
    rows = [
        AccessLog(
            by_id=by.pk, patient_id=patient_id, what=what, object_id=i, door=door, path=path[:300]
        )
        for patient_id, i in reads
        if patient_id != by.pk
    ]
    if rows:
        AccessLog.objects.bulk_create(rows)


def access_log_purge(*, before: datetime, ran_by: str, using: str = "default") -> AccessLogPurge:
    """Delete the rows read before `before`, in one transaction, and leave the purge's own row."""
    return purge_log(
        log=AccessLog, purges=AccessLogPurge, before=before, ran_by=ran_by, using=using
    )


def access_log_empty(*, ran_by: str, using: str = "default") -> int:
    """Delete every row through a purge window (for `flush`, which then empties the purge
    table too); callers hold the transaction."""
    return purge_before(
        log=AccessLog, purges=AccessLogPurge, before=EVERYTHING, ran_by=ran_by, using=using
    ).deleted
