"""Reads of clinical records and reviews, filtered to what the acting user may see.

Who may read what:
- a patient: their own prescriptions, medical record, documents and admissions; never notes;
- a practitioner: notes and prescriptions of their own appointments; the medical record,
  documents and admissions of the patients they treat: a confirmed (then completed or no-show)
  visit with them, an admission under them, or the patient shared the record with them. A
  request alone shows only what deciding it needs (name, age, reason: the practice pages'
  minimal card), never the record;
- staff: the clinic's.

Every read of a patient's clinical record by someone other than that patient is written to the
access log (core.access_log) by the selector itself, in the same request, naming the door it came
through, so no page, endpoint or admin screen can forget it. A practitioner whose verification
was withdrawn, or whose account is not active, reads and writes nothing clinical.
"""

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.clinic.selectors import clinician_in_good_standing
from carebook.core.access_log import AccessLog, access_log_record, access_log_record_reads
from carebook.core.compiled import Compiled
from carebook.core.querysets import filter_given, visible_by_role
from carebook.records.models import (
    Admission,
    MedicalDocument,
    MedicalRecord,
    Prescription,
    RecordShare,
    Review,
    SessionNote,
)

What = AccessLog.What
WEB = AccessLog.Door.WEB
S = Appointment.Status
# A visit opens the record once the practitioner has accepted it; a no-show was confirmed first.
RECORD_OPENING_STATUSES = (S.CONFIRMED, S.COMPLETED, S.NO_SHOW)


# --- Who may act at all ----------------------------------------------------------------------


def may_use_records(user: User) -> bool:
    """A patient who can log in (their own record); a clinician in good standing."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_patient or clinician_in_good_standing(user)


# --- Who may open whose record -------------------------------------------------------------


def patients_treated_by(*, user: User) -> QuerySet[User]:
    """Patients whose full record this practitioner may open: a confirmed, completed or no-show
    visit with them, an admission under them, or an active share. One query, usable in
    `Exists(...)`; requests, rejections and cancellations open nothing."""
    if not user.is_authenticated or not user.is_practitioner:
        return User.objects.none()
    patient = OuterRef("pk")
    visits = Appointment.objects.filter(
        patient=patient, practitioner__user=user, status__in=RECORD_OPENING_STATUSES
    )
    admissions = Admission.objects.filter(patient=patient, practitioner__user=user)
    shares = RecordShare.objects.filter(
        patient=patient, practitioner__user=user, revoked_at__isnull=True
    )
    return User.objects.filter(role=User.Role.PATIENT).filter(
        Exists(visits) | Exists(admissions) | Exists(shares)
    )


def practitioner_has_patient(*, user: User, patient_id: int) -> bool:
    """Whether this practitioner treats the patient (see `patients_treated_by`)."""
    return patients_treated_by(user=user).filter(pk=patient_id).exists()


def can_read_record(*, user: User, patient: User) -> bool:
    if not patient.is_patient or not may_use_records(user):
        return False
    if user.pk == patient.pk or user.is_staff:
        return True
    return practitioner_has_patient(user=user, patient_id=patient.pk)


def patient_for_records(*, user: User, pk: int) -> User | None:
    """The patient whose clinical record `user` may open, else None (callers answer 404)."""
    patient = User.objects.filter(pk=pk, role=User.Role.PATIENT).first()
    if patient is None or not can_read_record(user=user, patient=patient):
        return None
    return patient


def can_write_appointment_records(*, user: User, appointment: Appointment) -> bool:
    """Notes and prescriptions are written by the appointment's own practitioner only, while
    in good standing."""
    return (
        user.is_authenticated
        and user.is_practitioner
        and appointment.practitioner.user_id == user.pk
        and clinician_in_good_standing(user)
    )


def _log(user: User, patient_id: int, what: str, ids=(None,), *, door: str, path: str) -> None:
    access_log_record(by=user, patient_id=patient_id, what=what, ids=ids, door=door, path=path)


def _log_each(user: User, items, what: str, *, door: str, path: str) -> None:
    access_log_record_reads(
        by=user, what=what, reads=[(i.patient_id, i.pk) for i in items], door=door, path=path
    )


# --- Session notes -------------------------------------------------------------------------


def notes_for_appointment(
    *, user: User, appointment: Appointment, door: str = WEB, path: str = ""
) -> list[SessionNote] | None:
    """The visit's notes for its practitioner or staff; None for anyone else (patients too)."""
    if not may_use_records(user):
        return None
    if not (user.is_staff or can_write_appointment_records(user=user, appointment=appointment)):
        return None
    notes = list(appointment.session_notes.select_related("author"))
    _log(user, appointment.patient_id, What.NOTE, [appointment.pk], door=door, path=path)
    return notes


def notes_for_patient(
    *, user: User, patient: User, door: str = WEB, path: str = ""
) -> list[SessionNote]:
    """A patient's notes: staff all of them, a practitioner those on their own visits."""
    if not clinician_in_good_standing(user) or user.pk == patient.pk:
        return []
    if not can_read_record(user=user, patient=patient):
        return []
    qs = SessionNote.objects.filter(appointment__patient=patient).select_related(
        "author", "appointment__location", "appointment__service"
    )
    if not user.is_staff:
        qs = qs.filter(appointment__practitioner__user=user)
    notes = list(qs.order_by("-appointment__start", "-created_at")[:100])
    _log(user, patient.pk, What.NOTE, door=door, path=path)
    return notes


# --- Prescriptions -------------------------------------------------------------------------


def prescriptions_visible_to(user: User) -> QuerySet[Prescription]:
    """Without logging: only for counting or building on; reads go through the functions below."""
    qs = Prescription.objects.select_related(
        "patient", "practitioner__user", "appointment__location", "appointment__service"
    ).prefetch_related("items")
    if not may_use_records(user):
        return qs.none()
    return visible_by_role(qs, user)


def prescription_get_for(
    *, user: User, pk: int, door: str = WEB, path: str = ""
) -> Prescription | None:
    prescription = prescriptions_visible_to(user).filter(pk=pk).first()
    if prescription is not None:
        _log(
            user,
            prescription.patient_id,
            What.PRESCRIPTION,
            [prescription.pk],
            door=door,
            path=path,
        )
    return prescription


def prescription_pdf_for(
    *, user: User, pk: int, door: str = WEB, path: str = ""
) -> Prescription | None:
    """The prescription to render as PDF (logged as a PDF read: it may leave the building)."""
    prescription = prescriptions_visible_to(user).filter(pk=pk).first()
    if prescription is not None:
        _log(user, prescription.patient_id, What.PDF, [prescription.pk], door=door, path=path)
    return prescription


def prescription_list_for(
    *,
    user: User,
    patient: User | None = None,
    appointment: Appointment | None = None,
    limit: int = 100,
    offset: int = 0,
    door: str = WEB,
    path: str = "",
) -> list[Prescription]:
    """The caller's prescriptions, newest first, optionally of one patient or one visit."""
    qs = prescriptions_visible_to(user)
    if patient is not None:
        qs = qs.filter(patient=patient)
    if appointment is not None:
        qs = qs.filter(appointment=appointment)
    items = list(qs[offset : offset + limit])
    _log_each(user, items, What.PRESCRIPTION, door=door, path=path)
    return items


# --- Medical record, documents, admissions --------------------------------------------------


def medical_record_get_for(
    *, user: User, patient: User, door: str = WEB, path: str = ""
) -> MedicalRecord | None:
    """The patient's record (an empty unsaved one if none yet), or None when not allowed."""
    if not can_read_record(user=user, patient=patient):
        return None
    record = MedicalRecord.objects.filter(patient=patient).first() or MedicalRecord(patient=patient)
    _log(user, patient.pk, What.RECORD, [record.pk], door=door, path=path)
    return record


def documents_for(
    *, user: User, patient: User, door: str = WEB, path: str = ""
) -> list[MedicalDocument] | None:
    if not can_read_record(user=user, patient=patient):
        return None
    documents = list(
        MedicalDocument.objects.filter(patient=patient).select_related("uploaded_by")[:200]
    )
    _log(user, patient.pk, What.DOCUMENT, door=door, path=path)
    return documents


def document_get_for(
    *, user: User, pk: int, door: str = WEB, path: str = ""
) -> MedicalDocument | None:
    document = MedicalDocument.objects.select_related("patient").filter(pk=pk).first()
    if document is None or not can_read_record(user=user, patient=document.patient):
        return None
    _log(user, document.patient_id, What.DOCUMENT, [document.pk], door=door, path=path)
    return document


def admissions_for(
    *, user: User, patient: User, door: str = WEB, path: str = ""
) -> list[Admission] | None:
    if not can_read_record(user=user, patient=patient):
        return None
    admissions = list(
        Admission.objects.filter(patient=patient).select_related("practitioner__user")[:100]
    )
    _log(user, patient.pk, What.ADMISSION, door=door, path=path)
    return admissions


def admission_get_for(*, user: User, pk: int) -> Admission | None:
    """An admission the acting staff member or responsible practitioner may discharge."""
    if not clinician_in_good_standing(user):
        return None
    qs = Admission.objects.select_related("patient", "practitioner__user")
    if user.is_staff:
        return qs.filter(pk=pk).first()
    return qs.filter(pk=pk, practitioner__user=user).first()


def _ward_list(user: User, qs: QuerySet[Admission]) -> QuerySet[Admission] | None:
    if not clinician_in_good_standing(user):
        return None
    if user.is_staff:
        return qs
    return qs.filter(practitioner__user=user)


def inpatients_for(*, user: User, door: str = WEB, path: str = "") -> list[Admission] | None:
    """Current in-patients: a practitioner's own, or (staff) the clinic's, longest stay first."""
    qs = _ward_list(
        user,
        Admission.objects.filter(discharged_at__isnull=True)
        .select_related("patient", "practitioner__user")
        .order_by("admitted_at", "pk"),
    )
    if qs is None:
        return None
    items = list(qs[:500])
    _log_each(user, items, What.ADMISSION, door=door, path=path)
    return items


def discharges_for(
    *, user: User, door: str = WEB, path: str = "", limit: int = 50, offset: int = 0
):
    """Discharged admissions, latest discharge first (a practitioner's own, or the clinic's)."""
    qs = _ward_list(
        user,
        Admission.objects.filter(discharged_at__isnull=False)
        .select_related("patient", "practitioner__user")
        .order_by("-discharged_at", "-pk"),
    )
    if qs is None:
        return None, 0
    total = qs.count()
    items = list(qs[offset : offset + limit])
    _log_each(user, items, What.ADMISSION, door=door, path=path)
    return items, total


# --- Record shares ---------------------------------------------------------------------------


def record_shares_of(*, user: User) -> list[RecordShare]:
    """The patient's active shares, newest first (their own only)."""
    if not (user.is_authenticated and user.is_patient):
        return []
    return list(
        RecordShare.objects.filter(patient=user, revoked_at__isnull=True)
        .select_related("practitioner__user")
        .order_by("-shared_at", "-pk")[:100]
    )


def record_shared_with(*, user: User, practitioner_id: int) -> bool:
    """Whether the patient `user` currently shares their record with this practitioner."""
    if not (user.is_authenticated and user.is_patient):
        return False
    return RecordShare.objects.filter(
        patient=user, practitioner_id=practitioner_id, revoked_at__isnull=True
    ).exists()


# --- Access log ------------------------------------------------------------------------------


def access_log_search(
    *,
    user: User,
    patient_q: str = "",
    by_q: str = "",
    what: str = "",
    door: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[AccessLog]:
    """The access log for staff, newest first; nobody else reads it."""
    if not clinician_in_good_standing(user) or not user.is_staff:
        return AccessLog.objects.none()
    qs = AccessLog.objects.select_related("by", "patient")
    if patient_q:
        qs = qs.filter(
            Q(patient__full_name__icontains=patient_q) | Q(patient__email__icontains=patient_q)
        )
    if by_q:
        qs = qs.filter(Q(by__full_name__icontains=by_q) | Q(by__email__icontains=by_q))
    qs = filter_given(qs, what=what, door=door, at__gte=start, at__lt=end)
    return qs.order_by("-at", "-pk")


# --- Reviews ---------------------------------------------------------------------------------


def _visible_reviews() -> QuerySet[Review]:
    return Review.objects.filter(hidden_at__isnull=True)


REVIEWS_SHOWN = 20
_REVIEWS_OF = Compiled(
    Review,
    lambda pid: (
        _visible_reviews()
        .filter(practitioner_id=pid)
        .select_related("patient")
        .order_by("-created_at", "-pk")[:REVIEWS_SHOWN]
    ),
)


def reviews_for_practitioner(*, practitioner_id: int) -> list[Review]:
    """The latest visible reviews (`REVIEWS_SHOWN`), newest first, with the reviewer's first
    name only."""
    return _REVIEWS_OF.rows(practitioner_id)


def review_of_appointment(*, user: User, appointment: Appointment) -> Review | None:
    """The visit's review, for anyone who may see the appointment."""
    return Review.objects.filter(appointment=appointment).first()


def reviews_for_staff(*, user: User, hidden: bool | None = None) -> QuerySet[Review]:
    if not (clinician_in_good_standing(user) and user.is_staff):
        return Review.objects.none()
    qs = Review.objects.select_related("patient", "practitioner__user", "hidden_by")
    if hidden is True:
        qs = qs.filter(hidden_at__isnull=False)
    elif hidden is False:
        qs = qs.filter(hidden_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def review_get_for_staff(*, user: User, pk: int) -> Review | None:
    return reviews_for_staff(user=user).filter(pk=pk).first()
