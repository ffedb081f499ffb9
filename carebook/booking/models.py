from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebook.clinic.models import Location, Practitioner, Service, VisitMode


class Appointment(models.Model):
    class Status(models.TextChoices):
        HELD = "held", _("Held")
        REQUESTED = "requested", _("Requested")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")
        NO_SHOW = "no_show", _("No-show")
        EXPIRED = "expired", _("Expired")

    # Statuses that keep the slot. A hold keeps it only until `held_until`; an expired hold is
    # released by the next booking that needs its time (see booking.services).
    ACTIVE_STATUSES = (Status.HELD, Status.REQUESTED, Status.CONFIRMED)

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="appointments"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"))
    # The practitioner's time this visit keeps busy: start/end widened by the buffers in force
    # when it was booked. The database refuses two active holds of one practitioner that overlap.
    hold_start = models.DateTimeField(editable=False)
    hold_end = models.DateTimeField(editable=False)
    mode = models.CharField(_("visit mode"), max_length=16, choices=VisitMode)
    reason = models.TextField(_("reason or symptoms"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=16, choices=Status, db_index=True)
    held_until = models.DateTimeField(_("held until"), null=True, blank=True)
    # Booked under the clinic's pay-at-booking policy: while held, only a payment books it.
    payment_due = models.BooleanField(_("payment due"), default=False)
    price = models.DecimalField(
        _("price (INR)"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    rescheduled_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rescheduled_to",
    )
    # The day at the clinic: when the patient arrived (front desk) and when the consultation
    # began (practitioner). Marks on a confirmed visit, not statuses of their own.
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    consultation_started_at = models.DateTimeField(
        _("in consultation since"), null=True, blank=True
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Counts the changes (one per history row): the FHIR versionId and the REST ETag.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("appointment")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["practitioner", "start"]),
            models.Index(fields=["patient", "start"]),
            models.Index(fields=["practitioner", "hold_start", "hold_end"]),
            # Reports read days of every practitioner at once, and each patient's kept visits.
            models.Index(fields=["start"], name="appt_start_idx"),
            models.Index(
                fields=["patient", "start"],
                condition=models.Q(status__in=["confirmed", "completed", "no_show"]),
                name="appt_patient_kept_idx",
            ),
            # New and returning patients: the kept visits of a range, read from the index alone.
            models.Index(
                fields=["start", "patient", "location"],
                condition=models.Q(status__in=["confirmed", "completed", "no_show"]),
                name="appt_kept_start_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appt_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    hold_start__lte=models.F("start"), hold_end__gte=models.F("end")
                ),
                name="appt_hold_covers_visit",
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="appt_price_not_negative"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="held") | models.Q(held_until__isnull=False),
                name="appt_hold_has_expiry",
            ),
        ]

    def __str__(self):
        return f"{self.practitioner} ← {self.patient.full_name}, {self.start:%Y-%m-%d %H:%M} UTC"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def local_start(self):
        return self.start.astimezone(self.location.tz)

    @property
    def local_end(self):
        return self.end.astimezone(self.location.tz)


class AppointmentHistory(models.Model):
    """One row per change of an appointment: append-only."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("appointment history")
        verbose_name_plural = _("appointment history")
        ordering = ["at", "id"]
        indexes = [
            # The reports' cancellations and decisions.
            models.Index(
                fields=["appointment"],
                condition=models.Q(to_status="cancelled"),
                name="appthist_cancelled_idx",
            ),
            models.Index(
                fields=["appointment"],
                condition=models.Q(
                    from_status="requested", to_status__in=["confirmed", "rejected"]
                ),
                name="appthist_decided_idx",
            ),
        ]

    def __str__(self):
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.action}: {self.from_status or '—'} → {self.to_status}"
        )

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Appointment history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Appointment history is append-only.")


class NextFree(models.Model):
    """Each practitioner's earliest free start and free days, stored for the directory.

    Derived state, recomputed by a task on every change that can move it and once
    `fresh_until` passes (notice running out on the first free slot, a hold expiring, the
    horizon moving). Readers treat a missing row or a passed `fresh_until` as unknown.
    """

    practitioner = models.OneToOneField(
        Practitioner, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Null: nothing free within the practitioner's horizon.
    start = models.DateTimeField(null=True, db_index=True)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, null=True, related_name="+")
    # Local dates with a free slot through `days_known`, as bit sets (hex) from `days_from`:
    # "*" at any location, and one per location id. Past `days_known` the horizon may cut a
    # day, so `edge_days` keeps each day's earliest free start (epoch seconds) up to
    # `days_possible`, the last date a slot can fall on while the row is fresh.
    free_days = models.JSONField(default=dict)
    edge_days = models.JSONField(default=dict)
    days_from = models.DateField()
    days_known = models.DateField()
    days_possible = models.DateField()
    horizon_days = models.PositiveSmallIntegerField()
    fresh_until = models.DateTimeField(db_index=True)
    # When the reads behind this value began: an older computation never overwrites a newer one.
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("next free slot")

    def __str__(self):
        return f"{self.practitioner_id}: {self.start or 'nothing free'}"
