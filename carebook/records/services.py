"""Writes on clinical records and reviews. Each checks who acts and the rule, then writes."""

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.clinic.models import Clinic, Practitioner
from carebook.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from carebook.core.timeutils import now as utcnow
from carebook.records import storage
from carebook.records.allergy import Conflict, conflicts
from carebook.records.models import (
    Admission,
    MedicalDocument,
    MedicalRecord,
    Medicine,
    Prescription,
    RecordShare,
    Review,
    SessionNote,
)
from carebook.records.selectors import (
    can_write_appointment_records,
    clinician_in_good_standing,
    may_use_records,
    practitioner_has_patient,
)

S = Appointment.Status
NOTE_STATUSES = (S.CONFIRMED, S.COMPLETED, S.NO_SHOW)
MAX_MEDICINES = 20


class AllergyWarning(InvalidInput):
    """A medicine matches a recorded allergy: prescribing it needs a written reason."""

    def __init__(self, found: list[Conflict]):
        self.conflicts = found
        super().__init__(
            _("Allergy warning: %(list)s. To prescribe anyway, write why.")
            % {"list": "; ".join(str(c) for c in found)}
        )


def _lock_appointment(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("practitioner__user", "patient")
        .get(pk=appointment.pk)
    )


def _ensure_own_visit(appointment: Appointment, by: User) -> None:
    if not can_write_appointment_records(user=by, appointment=appointment):
        raise PermissionDenied(_("Only the visit's practitioner can do that."))


# --- Session notes and prescriptions --------------------------------------------------------


@transaction.atomic
def session_note_add(*, appointment: Appointment, by: User, text: str) -> SessionNote:
    """Add the practitioner's private note to one of their visits."""
    appointment = _lock_appointment(appointment)
    _ensure_own_visit(appointment, by)
    if appointment.status not in NOTE_STATUSES:
        raise IllegalTransition(_("Notes can be written on confirmed or finished visits only."))
    text = text.strip()
    if not text:
        raise InvalidInput(_("The note is empty."))
    if len(text) > 10_000:
        raise InvalidInput(_("Please keep a note under 10,000 characters."))
    return SessionNote.objects.create(appointment=appointment, author=by, text=text)


def _clean_medicines(medicines: list[dict]) -> list[dict]:
    fields = ("name", "dose", "frequency", "duration")
    rows = []
    for item in medicines:
        row = {f: str(item.get(f) or "").strip() for f in fields}
        if not any(row.values()):
            continue
        if not all(row.values()):
            raise InvalidInput(_("Each medicine needs a name, dose, frequency and duration."))
        if len(row["name"]) > 200 or any(len(row[f]) > 100 for f in fields[1:]):
            raise InvalidInput(_("A medicine's details are too long."))
        rows.append(row)
    if not rows:
        raise InvalidInput(_("Add at least one medicine."))
    if len(rows) > MAX_MEDICINES:
        raise InvalidInput(_("A prescription holds at most 20 medicines."))
    return rows


def prescription_conflicts(*, patient_id: int, medicines: list[str]) -> list[Conflict]:
    """The medicines that match the patient's recorded allergies, by name or drug class."""
    record = MedicalRecord.objects.filter(patient_id=patient_id).first()
    return conflicts(medicines, record.allergy_list if record else [])


@transaction.atomic
def prescription_issue(
    *,
    appointment: Appointment,
    by: User,
    medicines: list[dict],
    instructions: str = "",
    override_reason: str = "",
    now: datetime | None = None,
) -> Prescription:
    """Issue a prescription for a completed visit of the acting practitioner.

    Only practitioners whose type may prescribe can. A medicine that matches a recorded
    allergy is refused unless the prescriber writes why they prescribe it anyway; the
    warnings and the reason are kept on the prescription."""
    appointment = _lock_appointment(appointment)
    _ensure_own_visit(appointment, by)
    if not appointment.practitioner.may_prescribe(Clinic.current()):
        raise IllegalTransition(
            _("Your practitioner type does not prescribe at this clinic. Ask a doctor.")
        )
    if appointment.status != S.COMPLETED:
        raise IllegalTransition(_("Prescriptions are written for completed visits only."))
    rows = _clean_medicines(medicines)
    instructions = instructions.strip()
    if len(instructions) > 4000:
        raise InvalidInput(_("Please keep the instructions under 4000 characters."))
    found = prescription_conflicts(
        patient_id=appointment.patient_id, medicines=[row["name"] for row in rows]
    )
    override_reason = override_reason.strip()[:2000]
    if found and not override_reason:
        raise AllergyWarning(found)
    prescription = Prescription.objects.create(
        appointment=appointment,
        patient_id=appointment.patient_id,
        practitioner_id=appointment.practitioner_id,
        instructions=instructions,
        allergy_warnings="\n".join(str(c) for c in found),
        override_reason=override_reason if found else "",
        issued_at=now or utcnow(),
        issued_by=by,
    )
    Medicine.objects.bulk_create(
        Medicine(prescription=prescription, position=i, **row) for i, row in enumerate(rows)
    )
    return prescription


# --- Medical record and documents ------------------------------------------------------------


def _ensure_may_write_record(patient: User, by: User) -> None:
    if not may_use_records(by) or not patient.is_patient:
        raise PermissionDenied()
    if by.pk == patient.pk or by.is_staff:
        return
    if practitioner_has_patient(user=by, patient_id=patient.pk):
        return
    raise PermissionDenied()


@transaction.atomic
def medical_record_update(
    *, patient: User, by: User, allergies: str, conditions: str, medications: str
) -> MedicalRecord:
    """Replace the patient's lists; the patient keeps them, staff may correct them."""
    if not (may_use_records(by) and patient.is_patient and (by.pk == patient.pk or by.is_staff)):
        raise PermissionDenied(_("Only the patient or the clinic can change this record."))
    values = {"allergies": allergies, "conditions": conditions, "medications": medications}
    for key, value in values.items():
        values[key] = "\n".join(line.strip() for line in value.splitlines() if line.strip())
        if len(values[key]) > 4000:
            raise InvalidInput(_("Please keep each list under 4000 characters."))
    record, _created = MedicalRecord.objects.select_for_update().get_or_create(patient=patient)
    for key, value in values.items():
        setattr(record, key, value)
    record.updated_by = by
    record.save()
    return record


@transaction.atomic
def document_upload(*, patient: User, by: User, upload, title: str = "") -> MedicalDocument:
    """Store an uploaded PDF, JPEG or PNG (≤ 5 MB, checked by its content) privately."""
    _ensure_may_write_record(patient, by)
    content_type = storage.check_upload(upload)
    name, size, digest = storage.store(upload)
    try:
        with transaction.atomic():
            document = MedicalDocument.objects.create(
                patient=patient,
                title=(title.strip() or upload.name or "Document")[:200],
                original_name=(upload.name or "document")[:255],
                content_type=content_type,
                size=size,
                sha256=digest,
                storage_name=name,
                uploaded_by=by,
            )
    except Exception:
        storage.remove(name)
        raise
    return document


@transaction.atomic
def document_delete(*, document: MedicalDocument, by: User) -> None:
    if not (may_use_records(by) and (by.pk == document.patient_id or by.is_staff)):
        raise PermissionDenied(_("Only the patient or the clinic can delete a document."))
    name = document.storage_name
    document.delete()
    transaction.on_commit(lambda: storage.remove(name))


# --- Sharing the record with a practitioner -------------------------------------------------


def _ensure_own_record(patient: User, by: User) -> None:
    if not (may_use_records(by) and by.is_patient and by.pk == patient.pk):
        raise PermissionDenied(_("Only the patient can share their record."))


@transaction.atomic
def record_share(
    *, patient: User, practitioner: Practitioner, by: User, now: datetime | None = None
) -> RecordShare:
    """The patient lets this practitioner open their full record now, before any visit is
    confirmed; sharing again changes nothing."""
    _ensure_own_record(patient, by)
    User.objects.select_for_update().filter(pk=patient.pk).first()
    active = RecordShare.objects.filter(
        patient=patient, practitioner=practitioner, revoked_at__isnull=True
    ).first()
    if active is not None:
        return active
    return RecordShare.objects.create(
        patient=patient, practitioner=practitioner, shared_at=now or utcnow()
    )


@transaction.atomic
def record_unshare(
    *, patient: User, practitioner: Practitioner, by: User, now: datetime | None = None
) -> None:
    """The patient withdraws the share; a confirmed visit still opens the record."""
    _ensure_own_record(patient, by)
    RecordShare.objects.filter(
        patient=patient, practitioner=practitioner, revoked_at__isnull=True
    ).update(revoked_at=now or utcnow())


# --- Admissions ------------------------------------------------------------------------------


@transaction.atomic
def admission_admit(
    *,
    patient: User,
    by: User,
    ward: str,
    reason: str,
    room: str = "",
    practitioner: Practitioner | None = None,
    admitted_at: datetime | None = None,
) -> Admission:
    """Admit a patient under a practitioner: a practitioner admits their own patient under
    themselves; staff name the practitioner. A patient has at most one open admission."""
    if not clinician_in_good_standing(by) or not patient.is_patient:
        raise PermissionDenied()
    if by.is_staff:
        if practitioner is None:
            raise InvalidInput(_("Choose the practitioner responsible for the patient."))
    else:
        practitioner = Practitioner.objects.get(user=by)
        if not practitioner_has_patient(user=by, patient_id=patient.pk):
            raise PermissionDenied(_("You can admit only your own patients."))
    ward, room, reason = ward.strip(), room.strip(), reason.strip()
    if not ward or not reason:
        raise InvalidInput(_("Give the ward and the reason for admission."))
    now = utcnow()
    admitted_at = admitted_at or now
    if admitted_at > now:
        raise InvalidInput(_("The admission time cannot be in the future."))
    User.objects.select_for_update().filter(pk=patient.pk).first()
    if Admission.objects.filter(patient=patient, discharged_at__isnull=True).exists():
        raise IllegalTransition(_("This patient is already admitted."))
    try:
        with transaction.atomic():
            return Admission.objects.create(
                patient=patient,
                practitioner=practitioner,
                ward=ward[:100],
                room=room[:50],
                reason=reason,
                admitted_at=admitted_at,
                admitted_by=by,
            )
    except IntegrityError as exc:
        raise IllegalTransition(_("This patient is already admitted.")) from exc


@transaction.atomic
def admission_discharge(
    *, admission: Admission, by: User, summary: str, discharged_at: datetime | None = None
) -> Admission:
    """Discharge an admitted patient with a summary; the responsible practitioner or staff."""
    admission = (
        Admission.objects.select_for_update(of=("self",))
        .select_related("practitioner")
        .get(pk=admission.pk)
    )
    if not clinician_in_good_standing(by) or not (
        by.is_staff or admission.practitioner.user_id == by.pk
    ):
        raise PermissionDenied(_("Only the responsible practitioner or staff can discharge."))
    if admission.discharged_at is not None:
        raise IllegalTransition(_("This patient is already discharged."))
    summary = summary.strip()
    if not summary:
        raise InvalidInput(_("Write a discharge summary."))
    now = utcnow()
    discharged_at = discharged_at or now
    if discharged_at > now or discharged_at < admission.admitted_at:
        raise InvalidInput(_("The discharge time must be after admission and not in the future."))
    admission.discharged_at = discharged_at
    admission.discharge_summary = summary
    admission.discharged_by = by
    admission.save(update_fields=["discharged_at", "discharge_summary", "discharged_by"])
    return admission


# --- Reviews ---------------------------------------------------------------------------------


def _rating_refresh(practitioner_id: int) -> None:
    """Store the practitioner's average and count of visible reviews; in the caller's
    transaction, with the practitioner locked so concurrent reviews count each other."""
    Practitioner.objects.select_for_update().filter(pk=practitioner_id).values("pk").first()
    agg = Review.objects.filter(practitioner_id=practitioner_id, hidden_at__isnull=True).aggregate(
        avg=Avg("rating"), n=Count("pk")
    )
    average = None if agg["avg"] is None else Decimal(str(agg["avg"])).quantize(Decimal("0.01"))
    Practitioner.objects.filter(pk=practitioner_id).update(
        rating_average=average, rating_count=agg["n"]
    )


@transaction.atomic
def review_create(*, appointment: Appointment, by: User, rating: int, comment: str = "") -> Review:
    """The patient rates their completed visit, once."""
    appointment = _lock_appointment(appointment)
    if not (may_use_records(by) and by.is_patient and appointment.patient_id == by.pk):
        raise PermissionDenied(_("Only the patient of this visit can review it."))
    if appointment.status != S.COMPLETED:
        raise IllegalTransition(_("Only a completed visit can be reviewed."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(_("Give a rating from 1 to 5."))
    comment = comment.strip()
    if len(comment) > 2000:
        raise InvalidInput(_("Please keep the comment under 2000 characters."))
    if Review.objects.filter(appointment=appointment).exists():
        raise IllegalTransition(_("You have already reviewed this visit."))
    try:
        with transaction.atomic():
            review = Review.objects.create(
                appointment=appointment,
                patient_id=appointment.patient_id,
                practitioner_id=appointment.practitioner_id,
                rating=rating,
                comment=comment,
            )
    except IntegrityError as exc:
        raise IllegalTransition(_("You have already reviewed this visit.")) from exc
    _rating_refresh(review.practitioner_id)
    return review


@transaction.atomic
def review_hide(*, review: Review, by: User, reason: str = "") -> Review:
    """Staff hide an abusive review: it no longer shows or counts."""
    if not (clinician_in_good_standing(by) and by.is_staff):
        raise PermissionDenied()
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.hidden_at is None:
        review.hidden_at = utcnow()
        review.hidden_by = by
        review.hidden_reason = reason.strip()[:300]
        review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        _rating_refresh(review.practitioner_id)
    return review


@transaction.atomic
def review_unhide(*, review: Review, by: User) -> Review:
    if not (clinician_in_good_standing(by) and by.is_staff):
        raise PermissionDenied()
    review = Review.objects.select_for_update().get(pk=review.pk)
    review.hidden_at = None
    review.hidden_by = None
    review.hidden_reason = ""
    review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    _rating_refresh(review.practitioner_id)
    return review
