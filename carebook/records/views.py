"""Clinical records and reviews pages. Every read goes through a selector that checks access
(404 for anyone not allowed) and logs reads by anyone but the patient."""

from datetime import UTC, datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carebook.booking.selectors import appointment_get_for
from carebook.clinic.models import Clinic
from carebook.clinic.selectors import practitioner_for, practitioner_get
from carebook.core.decorators import patient_required, role_required, staff_required
from carebook.core.doors import attempt, next_url
from carebook.core.errors import DomainError
from carebook.core.limits import upload_max_bytes, upload_too_large
from carebook.records import selectors, services, storage
from carebook.records.forms import (
    AccessLogFilterForm,
    AdmitForm,
    DischargeForm,
    DocumentForm,
    HideForm,
    MedicalRecordForm,
    MedicineFormSet,
    NoteForm,
    PrescriptionForm,
    ReviewForm,
)
from carebook.records.pdf import prescription_pdf

PER_PAGE = 25


def upload_mb() -> int:
    return upload_max_bytes() // (1024 * 1024)


def _found(obj):
    if obj is None:
        raise Http404
    return obj


def _page(request, template: str, context: dict, *, nav: str = "", status: int = 200):
    """Render inside the workspace the user knows: the practice, the office, or the plain site."""
    user = request.user
    practitioner = practitioner_for(user=user) if user.is_practitioner else None
    if practitioner is not None:
        layout = "records/_practice.html"
    elif user.is_staff:
        layout = "records/_office.html"
    else:
        layout = "records/_plain.html"
    context = {"layout": layout, "practitioner": practitioner, "nav": nav, **context}
    return render(request, template, context, status=status)


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# Practitioners and staff only; everyone else 404.
carer_required = role_required(lambda user: user.is_staff or user.is_practitioner)


# --- The patient's own health record -----------------------------------------------------------


@patient_required
def health(request):
    patient = request.user
    record = selectors.medical_record_get_for(user=patient, patient=patient)
    form = MedicalRecordForm(
        request.POST or None,
        initial={
            "allergies": record.allergies,
            "conditions": record.conditions,
            "medications": record.medications,
        },
    )
    if request.method == "POST" and form.is_valid():
        if attempt(
            request,
            lambda: services.medical_record_update(
                patient=patient, by=patient, **form.cleaned_data
            ),
            _("Your health record is saved."),
        ):
            return redirect("records:health")
    return render(
        request,
        "records/health.html",
        {
            "record": record,
            "form": form,
            "document_form": DocumentForm(),
            "documents": selectors.documents_for(user=patient, patient=patient),
            "admissions": selectors.admissions_for(user=patient, patient=patient),
            "prescriptions": selectors.prescription_list_for(user=patient, limit=5),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def document_upload(request, pk: int):
    """Upload a document to patient `pk`'s record (the patient, their practitioner, or staff)."""
    patient = _found(selectors.patient_for_records(user=request.user, pk=pk))
    form = DocumentForm(request.POST, request.FILES)
    default = (
        reverse("records:health")
        if request.user.pk == patient.pk
        else reverse("records:patient", args=[patient.pk])
    )
    if upload_too_large(request):  # the file was dropped unread past the limit
        messages.error(request, _("The file is larger than %(mb)d MB.") % {"mb": upload_mb()})
        return redirect(default)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(default)
    attempt(
        request,
        lambda: services.document_upload(
            patient=patient,
            by=request.user,
            upload=form.cleaned_data["file"],
            title=form.cleaned_data["title"],
        ),
        _("The document is uploaded."),
    )
    return redirect(default)


@login_required
def document_download(request, pk: int):
    document = _found(selectors.document_get_for(user=request.user, pk=pk, path=request.path))
    try:
        handle = storage.open_plain(document.storage_name)
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def document_delete(request, pk: int):
    document = _found(selectors.document_get_for(user=request.user, pk=pk, path=request.path))
    attempt(
        request,
        lambda: services.document_delete(document=document, by=request.user),
        _("The document is deleted."),
    )
    return redirect(next_url(request, reverse("records:health")))


@patient_required
@require_POST
def record_share(request, pk: int):
    """The patient shares their record with practitioner `pk` (share=1) or stops (share=0)."""
    practitioner = _found(practitioner_get(pk=pk))
    share = request.POST.get("share") == "1"
    service = services.record_share if share else services.record_unshare
    done = (
        _("%(name)s can now open your health record.")
        if share
        else _("%(name)s can no longer open your health record before a visit is confirmed.")
    )
    attempt(
        request,
        lambda: service(patient=request.user, practitioner=practitioner, by=request.user),
        done % {"name": practitioner.display_name},
    )
    return redirect(next_url(request, reverse("records:health")))


# --- Prescriptions ---------------------------------------------------------------------------


@login_required
def prescriptions(request):
    """The caller's prescriptions: a patient's own, a practitioner's issued, or the clinic's."""
    page_number = max(1, int(request.GET["page"])) if request.GET.get("page", "").isdigit() else 1
    total = selectors.prescriptions_visible_to(request.user).count()
    items = selectors.prescription_list_for(
        user=request.user,
        limit=PER_PAGE,
        offset=(page_number - 1) * PER_PAGE,
        path=request.path,
    )
    return _page(
        request,
        "records/prescriptions.html",
        {
            "items": items,
            "page_number": page_number,
            "has_next": page_number * PER_PAGE < total,
            "total": total,
        },
        nav="patients",
    )


@login_required
def prescription_download(request, pk: int):
    prescription = _found(
        selectors.prescription_pdf_for(user=request.user, pk=pk, path=request.path)
    )
    response = HttpResponse(prescription_pdf(prescription), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{prescription.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def prescribe(request, pk: int):
    """The visit's practitioner writes a prescription (completed visits only)."""
    appointment = _found(appointment_get_for(user=request.user, pk=pk, door=""))
    if not selectors.can_write_appointment_records(user=request.user, appointment=appointment):
        raise Http404
    form = PrescriptionForm(request.POST or None)
    medicines = MedicineFormSet(request.POST or None, prefix="med")
    warnings = []
    if request.method == "POST" and form.is_valid() and medicines.is_valid():
        try:
            services.prescription_issue(
                appointment=appointment,
                by=request.user,
                medicines=[m.cleaned_data for m in medicines.forms if m.cleaned_data],
                instructions=form.cleaned_data["instructions"],
                override_reason=form.cleaned_data["override_reason"],
            )
        except services.AllergyWarning as exc:
            warnings = exc.conflicts
            form.add_error("override_reason", _("Write why you prescribe despite the warning."))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The prescription is issued."))
            return redirect("appointment", appointment.pk)
    record = selectors.medical_record_get_for(
        user=request.user, patient=appointment.patient, path=request.path
    )
    return _page(
        request,
        "records/prescribe.html",
        {
            "a": appointment,
            "form": form,
            "medicines": medicines,
            "record": record,
            "warnings": warnings,
            "may_prescribe": appointment.practitioner.may_prescribe(Clinic.settings()),
        },
        nav="patients",
        status=400 if form.errors or medicines.errors else 200,
    )


# --- Notes and reviews on an appointment -----------------------------------------------------


@login_required
@require_POST
def note_add(request, pk: int):
    appointment = _found(appointment_get_for(user=request.user, pk=pk, door=""))
    if not selectors.can_write_appointment_records(user=request.user, appointment=appointment):
        raise Http404
    form = NoteForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.session_note_add(
                appointment=appointment, by=request.user, text=form.cleaned_data["text"]
            ),
            _("Note saved."),
        )
    else:
        messages.error(request, _form_errors(form))
    return redirect(reverse("appointment", args=[appointment.pk]) + "#records")


@login_required
@require_POST
def review_add(request, pk: int):
    appointment = _found(appointment_get_for(user=request.user, pk=pk, door=""))
    if appointment.patient_id != request.user.pk:
        raise Http404
    form = ReviewForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.review_create(
                appointment=appointment, by=request.user, **form.cleaned_data
            ),
            _("Thank you for your review."),
        )
    else:
        messages.error(request, _form_errors(form))
    return redirect(reverse("appointment", args=[appointment.pk]) + "#records")


# --- A patient's clinical record, for practitioners and staff --------------------------------


@carer_required
def patient_record(request, pk: int):
    patient = _found(selectors.patient_for_records(user=request.user, pk=pk))
    path = request.path
    admissions = selectors.admissions_for(user=request.user, patient=patient, path=path)
    open_admission = next((a for a in admissions if a.is_open), None)
    may_discharge = open_admission is not None and (
        request.user.is_staff or open_admission.practitioner.user_id == request.user.pk
    )
    return _page(
        request,
        "records/patient.html",
        {
            "person": patient,
            "record": selectors.medical_record_get_for(
                user=request.user, patient=patient, path=path
            ),
            "documents": selectors.documents_for(user=request.user, patient=patient, path=path),
            "admissions": admissions,
            "open_admission": open_admission,
            "may_discharge": may_discharge,
            "prescriptions": selectors.prescription_list_for(
                user=request.user, patient=patient, path=path
            ),
            "notes": selectors.notes_for_patient(user=request.user, patient=patient, path=path),
            "admit_form": AdmitForm(staff=request.user.is_staff, auto_id="admit_%s"),
            "discharge_form": DischargeForm(auto_id="discharge_%s"),
            "document_form": DocumentForm(),
        },
        nav="patients",
    )


@carer_required
@require_POST
def admit(request, pk: int):
    patient = _found(selectors.patient_for_records(user=request.user, pk=pk))
    form = AdmitForm(request.POST, staff=request.user.is_staff)
    if form.is_valid():
        attempt(
            request,
            lambda: services.admission_admit(patient=patient, by=request.user, **form.cleaned_data),
            _("%(name)s is admitted.") % {"name": patient.full_name},
        )
    else:
        messages.error(request, _form_errors(form))
    return redirect(next_url(request, reverse("records:patient", args=[patient.pk])))


@carer_required
@require_POST
def discharge(request, pk: int):
    admission = _found(selectors.admission_get_for(user=request.user, pk=pk))
    form = DischargeForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.admission_discharge(
                admission=admission, by=request.user, summary=form.cleaned_data["summary"]
            ),
            _("%(name)s is discharged.") % {"name": admission.patient.full_name},
        )
    else:
        messages.error(request, _form_errors(form))
    return redirect(next_url(request, reverse("records:inpatients")))


@carer_required
def inpatients(request):
    items = selectors.inpatients_for(user=request.user, path=request.path)
    for admission in items:
        admission.discharge_form = DischargeForm(auto_id=f"discharge{admission.pk}_%s")
    return _page(request, "records/inpatients.html", {"items": items}, nav="inpatients")


@carer_required
def discharges(request):
    page_number = max(1, int(request.GET["page"])) if request.GET.get("page", "").isdigit() else 1
    items, total = selectors.discharges_for(
        user=request.user, path=request.path, limit=PER_PAGE, offset=(page_number - 1) * PER_PAGE
    )
    return _page(
        request,
        "records/discharges.html",
        {
            "items": items,
            "total": total,
            "page_number": page_number,
            "has_next": page_number * PER_PAGE < total,
        },
        nav="inpatients",
    )


# --- Staff: the access log and review moderation ---------------------------------------------


def _day_start(day) -> datetime:
    return datetime.combine(day, time.min, UTC)


@staff_required
def access_log(request):
    form = AccessLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.access_log_search(
        user=request.user,
        patient_q=filters.get("patient", ""),
        by_q=filters.get("by", ""),
        what=filters.get("what", ""),
        door=filters.get("door", ""),
        start=_day_start(filters["start"]) if filters.get("start") else None,
        end=_day_start(filters["end"] + timedelta(days=1)) if filters.get("end") else None,
    )
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "records/access_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@staff_required
def reviews(request):
    shown = request.GET.get("shown", "")
    hidden = {"hidden": True, "visible": False}.get(shown)
    page = Paginator(selectors.reviews_for_staff(user=request.user, hidden=hidden), PER_PAGE)
    page = page.get_page(request.GET.get("page"))
    return render(
        request,
        "records/reviews.html",
        {"page": page, "shown": shown, "hide_form": HideForm()},
    )


@staff_required
@require_POST
def review_hide(request, pk: int):
    review = _found(selectors.review_get_for_staff(user=request.user, pk=pk))
    form = HideForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if request.POST.get("action") == "unhide":
        attempt(
            request,
            lambda: services.review_unhide(review=review, by=request.user),
            _("The review shows again."),
        )
    else:
        attempt(
            request,
            lambda: services.review_hide(review=review, by=request.user, reason=reason),
            _("The review is hidden."),
        )
    return redirect(next_url(request, reverse("records:reviews")))
