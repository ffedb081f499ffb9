"""Prescriptions of the caller: a patient's own, a practitioner's issued, or (staff) the clinic's.

Reads by anyone other than the patient are written to the record access log.
"""

from typing import Annotated

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Path, Query, Router

from carebook.core.schemas import MAX_ID, ErrorOut, PersonOut, ValidationErrorOut
from carebook.records.models import Prescription
from carebook.records.pdf import prescription_pdf
from carebook.records.schemas import (
    MedicineOut,
    PrescriptionFilters,
    PrescriptionOut,
    PrescriptionPage,
)
from carebook.records.selectors import (
    prescription_get_for,
    prescription_list_for,
    prescription_pdf_for,
    prescriptions_visible_to,
)

router = Router(tags=["prescriptions"])

PrescriptionId = Annotated[int, Path(ge=1, le=MAX_ID, description="Prescription id")]
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def prescription_out(p: Prescription) -> PrescriptionOut:
    return PrescriptionOut(
        id=p.pk,
        number=p.number,
        appointment_id=p.appointment_id,
        issued_at=p.issued_at.astimezone(p.appointment.location.tz),
        patient=PersonOut(id=p.patient_id, name=p.patient.full_name),
        practitioner=PersonOut(id=p.practitioner_id, name=p.practitioner.display_name),
        medicines=[
            MedicineOut(name=m.name, dose=m.dose, frequency=m.frequency, duration=m.duration)
            for m in p.items.all()
        ],
        instructions=p.instructions,
        pdf_url=f"/api/v1/prescriptions/{p.pk}/pdf",
    )


@router.get(
    "",
    response={200: PrescriptionPage, 401: ErrorOut, 422: ValidationErrorOut},
    summary="My prescriptions",
)
def prescription_list(request: HttpRequest, filters: Query[PrescriptionFilters]):
    """The caller's prescriptions, newest first: a patient's own, a practitioner's issued,
    or (staff) the clinic's."""
    count = prescriptions_visible_to(request.auth).count()
    pages = max(1, -(-count // filters.per_page))
    items = prescription_list_for(
        user=request.auth,
        limit=filters.per_page,
        offset=(filters.page - 1) * filters.per_page,
        door="rest",
        path=request.path,
    )
    return PrescriptionPage(
        count=count,
        page=filters.page,
        pages=pages,
        per_page=filters.per_page,
        results=[prescription_out(p) for p in items],
    )


def _visible_or_404(request: HttpRequest, pk: int) -> Prescription:
    prescription = prescription_get_for(user=request.auth, pk=pk, door="rest", path=request.path)
    if prescription is None:
        raise Http404
    return prescription


@router.get(
    "/{prescription_id}",
    response={200: PrescriptionOut, **READ_ERRORS},
    summary="One prescription",
)
def prescription_detail(request: HttpRequest, prescription_id: PrescriptionId):
    """A prescription the caller may see, with its medicines; anyone else's is 404."""
    return prescription_out(_visible_or_404(request, prescription_id))


@router.get(
    "/{prescription_id}/pdf",
    response={200: None, **READ_ERRORS},
    summary="The prescription as PDF",
    openapi_extra={
        "responses": {
            200: {
                "description": "The prescription as a PDF document.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def prescription_pdf_download(request: HttpRequest, prescription_id: PrescriptionId):
    """The prescription as a PDF file to print or show at a pharmacy."""
    prescription = prescription_pdf_for(
        user=request.auth, pk=prescription_id, door="rest", path=request.path
    )
    if prescription is None:
        raise Http404
    response = HttpResponse(prescription_pdf(prescription), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{prescription.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
