"""Appointments: book, list, read, and move through the status machine as the caller may."""

from typing import Annotated

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Status

from carebook.accounts.models import User
from carebook.api.idempotency import idempotent
from carebook.api.lookups import (
    booking_location,
    booking_patient,
    booking_practitioner,
    booking_service,
)
from carebook.api.routers.clinic import location_out, service_out
from carebook.api.schemas import (
    MAX_ID,
    AppointmentFilters,
    AppointmentIn,
    AppointmentOut,
    AppointmentPage,
    CancelIn,
    ErrorOut,
    PersonOut,
    RejectIn,
    RescheduleIn,
    ValidationErrorOut,
)
from carebook.booking.models import Appointment
from carebook.booking.selectors import appointment_get_for, appointment_search
from carebook.booking.services import (
    appointment_book,
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_mark_no_show,
    appointment_reject,
    appointment_reschedule,
)
from carebook.booking.status import allowed_actions

router = Router(tags=["appointments"])

AppointmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="Appointment id")]

READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
CREATE_ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    409: ErrorOut,
    422: ValidationErrorOut,
}
ACTION_ERRORS = {**CREATE_ERRORS, 404: ErrorOut}


def appointment_out(appointment: Appointment, user: User) -> AppointmentOut:
    tz = appointment.location.tz
    return AppointmentOut(
        id=appointment.pk,
        status=appointment.status,
        start=appointment.start.astimezone(tz),
        end=appointment.end.astimezone(tz),
        practitioner=PersonOut(
            id=appointment.practitioner_id, name=appointment.practitioner.display_name
        ),
        patient=PersonOut(id=appointment.patient_id, name=appointment.patient.full_name),
        location=location_out(appointment.location),
        service=service_out(appointment.service, appointment.practitioner),
        mode=appointment.mode,
        reason=appointment.reason,
        price=appointment.price,
        held_until=appointment.held_until,
        rescheduled_from_id=appointment.rescheduled_from_id,
        allowed_actions=[a.replace("_", "-") for a in allowed_actions(appointment, user)],
        created_at=appointment.created_at,
        updated_at=appointment.updated_at,
    )


def visible_or_404(request: HttpRequest, pk: int) -> Appointment:
    appointment = appointment_get_for(user=request.auth, pk=pk)
    if appointment is None:
        raise Http404
    return appointment


def answer(request: HttpRequest, appointment: Appointment, status: int = 200) -> Status:
    return Status(status, appointment_out(visible_or_404(request, appointment.pk), request.auth))


@router.get(
    "",
    response={200: AppointmentPage, 401: ErrorOut, 422: ValidationErrorOut},
    summary="My appointments",
)
def appointment_list(request: HttpRequest, filters: Query[AppointmentFilters]):
    """A patient's own, a practitioner's own calendar, or (staff) the clinic's, by start time."""
    qs = appointment_search(
        user=request.auth,
        status=filters.status or "",
        practitioner_id=filters.practitioner_id,
        start=filters.start,
        end=filters.end,
    ).order_by("start", "pk")
    page = Paginator(qs, filters.per_page).get_page(filters.page)
    return AppointmentPage(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        per_page=filters.per_page,
        results=[appointment_out(a, request.auth) for a in page.object_list],
    )


@router.post(
    "",
    response={201: AppointmentOut, **CREATE_ERRORS},
    summary="Book an appointment",
)
@idempotent
def appointment_create(request: HttpRequest, payload: AppointmentIn):
    """Book a free slot: 'confirmed' if the practitioner auto-confirms, else 'requested'.

    A slot taken meanwhile answers 409 `slot_unavailable`. Staff book for a patient with
    `patient_id`.
    """
    user: User = request.auth
    patient = booking_patient(by=user, patient_id=payload.patient_id)
    practitioner = booking_practitioner(payload.practitioner_id)
    service = booking_service(payload.service_id)
    location = booking_location(payload.location_id)
    appointment = appointment_book(
        patient=patient,
        practitioner=practitioner,
        service=service,
        location=location,
        start=payload.start,
        mode=payload.mode,
        reason=payload.reason,
        by=user,
    )
    return answer(request, appointment, 201)


@router.get(
    "/{appointment_id}",
    response={200: AppointmentOut, **READ_ERRORS},
    summary="One appointment",
)
def appointment_detail(request: HttpRequest, appointment_id: AppointmentId):
    """An appointment the caller may see; anyone else's is 404."""
    return appointment_out(visible_or_404(request, appointment_id), request.auth)


@router.post(
    "/{appointment_id}/cancel",
    response={200: AppointmentOut, **ACTION_ERRORS},
    summary="Cancel",
)
@idempotent
def appointment_cancel_view(
    request: HttpRequest, appointment_id: AppointmentId, payload: CancelIn | None = None
):
    """Cancel an active appointment; a patient only before the practitioner's cut-off."""
    appointment = visible_or_404(request, appointment_id)
    reason = payload.reason if payload else ""
    appointment = appointment_cancel(appointment=appointment, by=request.auth, reason=reason)
    return answer(request, appointment)


@router.post(
    "/{appointment_id}/confirm",
    response={200: AppointmentOut, **ACTION_ERRORS},
    summary="Confirm (practitioner or staff)",
)
@idempotent
def appointment_confirm_view(request: HttpRequest, appointment_id: AppointmentId):
    """Accept a requested appointment."""
    appointment = visible_or_404(request, appointment_id)
    return answer(request, appointment_confirm(appointment=appointment, by=request.auth))


@router.post(
    "/{appointment_id}/reject",
    response={200: AppointmentOut, **ACTION_ERRORS},
    summary="Reject (practitioner or staff)",
)
@idempotent
def appointment_reject_view(request: HttpRequest, appointment_id: AppointmentId, payload: RejectIn):
    """Turn down a requested appointment, saying why (the patient is told)."""
    appointment = visible_or_404(request, appointment_id)
    appointment = appointment_reject(
        appointment=appointment, by=request.auth, reason=payload.reason
    )
    return answer(request, appointment)


@router.post(
    "/{appointment_id}/complete",
    response={200: AppointmentOut, **ACTION_ERRORS},
    summary="Mark completed (practitioner or staff)",
)
@idempotent
def appointment_complete_view(request: HttpRequest, appointment_id: AppointmentId):
    """Record that a confirmed visit took place; only once it has started."""
    appointment = visible_or_404(request, appointment_id)
    return answer(request, appointment_complete(appointment=appointment, by=request.auth))


@router.post(
    "/{appointment_id}/no-show",
    response={200: AppointmentOut, **ACTION_ERRORS},
    summary="Mark no-show (practitioner or staff)",
)
@idempotent
def appointment_no_show_view(request: HttpRequest, appointment_id: AppointmentId):
    """Record that the patient did not come; only once the visit has started."""
    appointment = visible_or_404(request, appointment_id)
    return answer(request, appointment_mark_no_show(appointment=appointment, by=request.auth))


@router.post(
    "/{appointment_id}/reschedule",
    response={201: AppointmentOut, **ACTION_ERRORS},
    summary="Reschedule",
)
@idempotent
def appointment_reschedule_view(
    request: HttpRequest, appointment_id: AppointmentId, payload: RescheduleIn
):
    """Move an appointment to a new free start: the old one is cancelled, the new one returned.

    The new appointment links back with `rescheduled_from_id`.
    """
    appointment = visible_or_404(request, appointment_id)
    location = service = None
    if payload.location_id is not None:
        location = booking_location(payload.location_id)
    if payload.service_id is not None:
        service = booking_service(payload.service_id, practitioner=appointment.practitioner)
    moved = appointment_reschedule(
        appointment=appointment,
        start=payload.start,
        by=request.auth,
        location=location,
        service=service,
        reason=payload.reason,
    )
    return answer(request, moved, 201)
