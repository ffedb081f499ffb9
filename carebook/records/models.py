"""What happened in visits and what a patient's health record holds; and reviews.

Everything here is clinical and private: it is read only through `records.selectors`, which filter
by the acting user and log every read by someone other than the patient (core.access_log).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebook.booking.models import Appointment
from carebook.clinic.models import Practitioner


class SessionNote(models.Model):
    """A practitioner's private note on one visit; never shown to the patient."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="session_notes"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"), max_length=10_000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("session note")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Note on appointment {self.appointment_id} ({self.created_at:%Y-%m-%d})"


class Prescription(models.Model):
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="prescriptions"
    )
    # Copies of the appointment's parties, so a patient's list needs no join to filter.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prescriptions"
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="prescriptions"
    )
    instructions = models.TextField(_("instructions"), blank=True, max_length=4000)
    # The allergy warnings the prescriber saw, and why they prescribed anyway (kept as written).
    allergy_warnings = models.TextField(_("allergy warnings"), blank=True)
    override_reason = models.TextField(_("reason to prescribe despite them"), blank=True)
    issued_at = models.DateTimeField(_("issued"), db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("prescription")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["patient", "-issued_at"])]

    def __str__(self):
        return f"Prescription {self.number}"

    @property
    def number(self) -> str:
        return f"RX-{self.pk:06d}"


class Medicine(models.Model):
    prescription = models.ForeignKey(Prescription, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("medicine"), max_length=200)
    dose = models.CharField(_("dose"), max_length=100)
    frequency = models.CharField(_("frequency"), max_length=100)
    duration = models.CharField(_("duration"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("medicine")
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.name} {self.dose}, {self.frequency}, {self.duration}"


class MedicalRecord(models.Model):
    """The patient's own summary: one entry a line in each list."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="medical_record"
    )
    allergies = models.TextField(_("allergies"), blank=True, max_length=4000)
    conditions = models.TextField(_("conditions"), blank=True, max_length=4000)
    medications = models.TextField(_("current medications"), blank=True, max_length=4000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("medical record")

    def __str__(self):
        return f"Medical record of user {self.patient_id}"

    @staticmethod
    def _lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def allergy_list(self) -> list[str]:
        return self._lines(self.allergies)

    @property
    def condition_list(self) -> list[str]:
        return self._lines(self.conditions)

    @property
    def medication_list(self) -> list[str]:
        return self._lines(self.medications)


class MedicalDocument(models.Model):
    """An uploaded report or scan. The bytes live outside the web root (see records.storage)."""

    class Kind(models.TextChoices):
        PDF = "application/pdf", "PDF"
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="medical_documents"
    )
    title = models.CharField(_("title"), max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=32, choices=Kind)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=64, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("medical document")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return self.title


class RecordShare(models.Model):
    """A patient's consent that one practitioner may open their full record before (or without)
    a confirmed visit. Revoking keeps the row, so who could read what, when, stays known."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="record_shares"
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="record_shares"
    )
    shared_at = models.DateTimeField(_("shared"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("record share")
        ordering = ["-shared_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "practitioner"],
                condition=models.Q(revoked_at__isnull=True),
                name="record_share_one_active",
            ),
        ]

    def __str__(self):
        return f"Record of user {self.patient_id} shared with practitioner {self.practitioner_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Admission(models.Model):
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="admissions"
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="admissions"
    )
    ward = models.CharField(_("ward"), max_length=100)
    room = models.CharField(_("room / bed"), max_length=50, blank=True)
    reason = models.TextField(_("reason for admission"), max_length=4000)
    admitted_at = models.DateTimeField(_("admitted at"))
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    discharge_summary = models.TextField(_("discharge summary"), blank=True, max_length=10_000)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("admission")
        ordering = ["-admitted_at", "-id"]
        indexes = [models.Index(fields=["practitioner", "discharged_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(discharged_at__isnull=True),
                name="admission_one_open_per_patient",
            ),
            models.CheckConstraint(
                condition=models.Q(discharged_at__isnull=True)
                | models.Q(discharged_at__gte=models.F("admitted_at")),
                name="admission_discharge_after_admit",
            ),
        ]

    def __str__(self):
        return f"Admission of user {self.patient_id} to {self.ward} ({self.admitted_at:%Y-%m-%d})"

    @property
    def is_open(self) -> bool:
        return self.discharged_at is None


class Review(models.Model):
    """A patient's rating of one completed visit. Hidden reviews do not count or show."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="review")
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    practitioner = models.ForeignKey(Practitioner, on_delete=models.PROTECT, related_name="reviews")
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("review")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["practitioner", "hidden_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]

    def __str__(self):
        return f"{self.rating}★ for practitioner {self.practitioner_id}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def reviewer_name(self) -> str:
        """What the public sees of the reviewer: their first name."""
        return (self.patient.full_name.split() or ["A patient"])[0]
