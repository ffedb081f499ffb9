"""Appointments (book, list, read, move through the status machine) and the practitioners of
the directory with their free time."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Header, Path, Query, Router, Status

from carebook.accounts.models import User
from carebook.booking.availability import default_services, next_free_slots, slots_free
from carebook.booking.directory import DirectoryFilters, practitioner_search
from carebook.booking.lookups import (
    booking_location,
    booking_mode,
    booking_offer,
    booking_patient,
    booking_service,
)
from carebook.booking.models import Appointment
from carebook.booking.schemas import (
    AppointmentFilters,
    AppointmentIn,
    AppointmentOut,
    AppointmentPage,
    CancelIn,
    PractitionerFilters,
    PractitionerOut,
    PractitionerPage,
    RejectIn,
    RescheduleIn,
    SlotOut,
    SlotQuery,
)
from carebook.booking.selectors import (
    appointment_as_booked,
    appointment_get_for,
    appointment_search,
)
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
from carebook.clinic.models import Location, Practitioner
from carebook.clinic.schemas import location_out, service_out
from carebook.clinic.selectors import (
    location_get,
    locations_by_id,
    practitioner_get_bookable,
    practitioner_locations,
)
from carebook.core.errors import InvalidInput
from carebook.core.idempotency import idempotent
from carebook.core.limits import max_slot_days
from carebook.core.schemas import (
    MAX_ID,
    ErrorOut,
    PersonOut,
    ValidationErrorOut,
    page_fields,
    paginate,
    stable_order,
)
from carebook.core.timeutils import zone
from carebook.core.versions import etag, version_from_if_match
from carebook.scheduling import engine

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
ACTION_ERRORS = {**CREATE_ERRORS, 404: ErrorOut, 412: ErrorOut}

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=100,
        description='The ETag you read (W/"<version>"): if the appointment has changed since, '
        "nothing is done and the answer is 412 `precondition_failed`. Optional.",
    ),
]


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
        payment_due=appointment.payment_due,
        rescheduled_from_id=appointment.rescheduled_from_id,
        allowed_actions=[a.replace("_", "-") for a in allowed_actions(appointment, user)],
        created_at=appointment.created_at,
        updated_at=appointment.updated_at,
        version=appointment.version,
    )


def visible_or_404(request: HttpRequest, pk: int) -> Appointment:
    appointment = appointment_get_for(user=request.auth, pk=pk, door="rest", path=request.path)
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
    """A patient's own, a practitioner's own calendar, or (staff) the clinic's; by start time
    unless `sort` says otherwise.

    To keep a copy in step, ask with `updated_since` (the time of your last complete read) and
    `sort=updated_at`, reading pages until one comes back empty.
    """
    qs = appointment_search(
        user=request.auth,
        status=filters.status or "",
        practitioner_id=filters.practitioner_id,
        start=filters.start,
        end=filters.end,
        door="rest",
        path=request.path,
    )
    if filters.updated_since is not None:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    fields, rows = paginate(
        qs.order_by(*stable_order(filters.sort)), page=filters.page, per_page=filters.per_page
    )
    return AppointmentPage(**fields, results=[appointment_out(a, request.auth) for a in rows])


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
    practitioner, service = booking_offer(payload.practitioner_id, payload.service_id)
    location = booking_location(payload.location_id)
    appointment = appointment_book(
        patient=patient,
        practitioner=practitioner,
        service=service,
        location=location,
        start=payload.start,
        mode=booking_mode(practitioner, payload.mode),
        reason=payload.reason,
        by=user,
    )
    shown = appointment_as_booked(
        user=user, appointment=appointment, door="rest", path=request.path
    )
    if shown is None:
        raise Http404
    return Status(201, appointment_out(shown, user))


@router.get(
    "/{appointment_id}",
    response={200: AppointmentOut, **READ_ERRORS},
    summary="One appointment",
    openapi_extra={
        "responses": {
            200: {
                "description": "OK",
                "headers": {
                    "ETag": {
                        "description": 'W/"<version>": send it as If-Match on a change.',
                        "schema": {"type": "string", "pattern": '^W/"[0-9]+"$'},
                    }
                },
            }
        }
    },
)
def appointment_detail(request: HttpRequest, response: HttpResponse, appointment_id: AppointmentId):
    """An appointment the caller may see; anyone else's is 404. The ETag header carries its
    version, for If-Match on the changes below."""
    appointment = visible_or_404(request, appointment_id)
    response["ETag"] = etag(appointment.version)
    return appointment_out(appointment, request.auth)


@router.post(
    "/{appointment_id}/cancel",
    response={200: AppointmentOut, **ACTION_ERRORS},
    summary="Cancel",
)
@idempotent
def appointment_cancel_view(
    request: HttpRequest,
    appointment_id: AppointmentId,
    payload: CancelIn | None = None,
    if_match: IfMatch = None,
):
    """Cancel an active appointment; a patient only before the practitioner's cut-off."""
    appointment = visible_or_404(request, appointment_id)
    reason = payload.reason if payload else ""
    appointment = appointment_cancel(
        appointment=appointment,
        by=request.auth,
        reason=reason,
        expected_version=version_from_if_match(if_match),
    )
    return answer(request, appointment)


@router.post(
    "/{appointment_id}/confirm",
    response={200: AppointmentOut, **ACTION_ERRORS},
    summary="Confirm (practitioner or staff)",
)
@idempotent
def appointment_confirm_view(
    request: HttpRequest, appointment_id: AppointmentId, if_match: IfMatch = None
):
    """Accept a requested appointment."""
    appointment = visible_or_404(request, appointment_id)
    appointment = appointment_confirm(
        appointment=appointment, by=request.auth, expected_version=version_from_if_match(if_match)
    )
    return answer(request, appointment)


@router.post(
    "/{appointment_id}/reject",
    response={200: AppointmentOut, **ACTION_ERRORS},
    summary="Reject (practitioner or staff)",
)
@idempotent
def appointment_reject_view(
    request: HttpRequest, appointment_id: AppointmentId, payload: RejectIn, if_match: IfMatch = None
):
    """Turn down a requested appointment, saying why (the patient is told)."""
    appointment = visible_or_404(request, appointment_id)
    appointment = appointment_reject(
        appointment=appointment,
        by=request.auth,
        reason=payload.reason,
        expected_version=version_from_if_match(if_match),
    )
    return answer(request, appointment)


@router.post(
    "/{appointment_id}/complete",
    response={200: AppointmentOut, **ACTION_ERRORS},
    summary="Mark completed (practitioner or staff)",
)
@idempotent
def appointment_complete_view(
    request: HttpRequest, appointment_id: AppointmentId, if_match: IfMatch = None
):
    """Record that a confirmed visit took place; only once it has started."""
    appointment = visible_or_404(request, appointment_id)
    appointment = appointment_complete(
        appointment=appointment, by=request.auth, expected_version=version_from_if_match(if_match)
    )
    return answer(request, appointment)


@router.post(
    "/{appointment_id}/no-show",
    response={200: AppointmentOut, **ACTION_ERRORS},
    summary="Mark no-show (practitioner or staff)",
)
@idempotent
def appointment_no_show_view(
    request: HttpRequest, appointment_id: AppointmentId, if_match: IfMatch = None
):
    """Record that the patient did not come; only once the visit has started."""
    appointment = visible_or_404(request, appointment_id)
    appointment = appointment_mark_no_show(
        appointment=appointment, by=request.auth, expected_version=version_from_if_match(if_match)
    )
    return answer(request, appointment)


@router.post(
    "/{appointment_id}/reschedule",
    response={201: AppointmentOut, **ACTION_ERRORS},
    summary="Reschedule",
)
@idempotent
def appointment_reschedule_view(
    request: HttpRequest,
    appointment_id: AppointmentId,
    payload: RescheduleIn,
    if_match: IfMatch = None,
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
        expected_version=version_from_if_match(if_match),
    )
    return answer(request, moved, 201)


# The directory's practitioners -------------------------------------------------------------------

directory = Router(tags=["directory"])

# The widest UTC offset there is; an instant's local date is within this of its UTC date.
MAX_OFFSET = timedelta(hours=14)
DAY = timedelta(days=1)

PractitionerId = Annotated[int, Path(ge=1, le=MAX_ID, description="Practitioner id")]


def slot_out(slot: engine.Slot, *, service_id: int, time_zone: str) -> dict:
    tz = zone(time_zone)
    return {
        "start": slot.start.astimezone(tz),
        "end": slot.end.astimezone(tz),
        "location_id": slot.location_id,
        "service_id": service_id,
    }


def practitioner_out(
    practitioner: Practitioner, *, next_slot: engine.Slot | None, locations: list[Location]
) -> PractitionerOut:
    services = sorted(practitioner.services.all(), key=lambda s: (s.duration_minutes, s.pk))
    zones = {loc.pk: loc.time_zone for loc in locations}
    next_free = None
    if next_slot is not None and services:
        next_free = slot_out(
            next_slot,
            service_id=services[0].pk,
            time_zone=zones.get(next_slot.location_id, "UTC"),
        )
    return PractitionerOut(
        id=practitioner.pk,
        name=practitioner.display_name,
        title=practitioner.title,
        kind=practitioner.kind,
        gender=practitioner.gender,
        specialties=[
            {"id": s.pk, "name": s.name, "slug": s.slug, "description": s.description}
            for s in practitioner.specialties.all()
        ],
        languages=[{"code": lang.code, "name": lang.name} for lang in practitioner.languages.all()],
        qualifications=practitioner.qualifications,
        years_experience=practitioner.years_experience,
        bio=practitioner.bio,
        consultation_fee=practitioner.consultation_fee,
        visit_modes=practitioner.visit_modes,
        services=[service_out(s, practitioner) for s in services],
        locations=[location_out(loc) for loc in locations],
        next_free_slot=next_free,
    )


@directory.get(
    "/practitioners",
    auth=None,
    response={200: PractitionerPage, 422: ValidationErrorOut},
    summary="Search practitioners",
)
def practitioners(request: HttpRequest, filters: Query[PractitionerFilters]):
    """The directory: filter, sort (by default by the earliest free slot) and page."""
    directory = DirectoryFilters(
        q=filters.q.strip(),
        specialty=filters.specialty.strip(),
        city=filters.city.strip(),
        location_id=filters.location_id,
        gender=filters.gender or "",
        language=filters.language.strip(),
        fee_min=filters.fee_min,
        fee_max=filters.fee_max,
        min_experience=filters.min_experience,
        mode=filters.mode or "",
        available_on=filters.available_on,
        sort=filters.sort,
    )
    page, entries = practitioner_search(
        filters=directory, page=filters.page, per_page=filters.per_page, with_services=True
    )
    if page.number != filters.page:  # the search answers the last page for one past it
        entries = []
    return PractitionerPage(
        **page_fields(count=page.paginator.count, page=filters.page, per_page=filters.per_page),
        results=[
            practitioner_out(e.practitioner, next_slot=e.next_slot, locations=e.locations)
            for e in entries
        ],
    )


@directory.get(
    "/practitioners/{practitioner_id}",
    auth=None,
    response={200: PractitionerOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="One practitioner",
)
def practitioner_detail(request: HttpRequest, practitioner_id: PractitionerId):
    """A practitioner's profile, services, locations and next free slot."""
    practitioner = practitioner_get_bookable(pk=practitioner_id)
    if practitioner is None:
        raise Http404
    next_slot = next_free_slots(practitioner_ids=[practitioner.pk])[practitioner.pk]
    locations = practitioner_locations([practitioner.pk]).get(practitioner.pk, [])
    return practitioner_out(practitioner, next_slot=next_slot, locations=locations)


def _date_span(start: date | datetime, end: date | datetime) -> tuple[date, date]:
    """Local dates to ask the engine for: dates as given, instants widened by any offset."""
    lo = start if not isinstance(start, datetime) else (start.astimezone(UTC) - MAX_OFFSET).date()
    hi = end if not isinstance(end, datetime) else (end.astimezone(UTC) + MAX_OFFSET).date()
    return lo, hi


def _days_asked(start: date | datetime, end: date | datetime) -> float:
    """How many days `start`..`end` covers (an end date counts as its whole day)."""
    lo = start if isinstance(start, datetime) else datetime.combine(start, time.min, UTC)
    hi = end if isinstance(end, datetime) else datetime.combine(end, time.min, UTC) + DAY
    return (hi - lo) / DAY


def _within(slot: engine.Slot, tz, start: date | datetime, end: date | datetime) -> bool:
    local_day = slot.start.astimezone(tz).date()
    after = slot.start >= start if isinstance(start, datetime) else local_day >= start
    before = slot.start < end if isinstance(end, datetime) else local_day <= end
    return after and before


@directory.get(
    "/practitioners/{practitioner_id}/slots",
    auth=None,
    response={200: list[SlotOut], 404: ErrorOut, 422: ValidationErrorOut},
    summary="Free slots of a practitioner",
)
def practitioner_slots(
    request: HttpRequest, practitioner_id: PractitionerId, query: Query[SlotQuery]
):
    """Bookable starts between `start` and `end` (at most 31 days), for one service.

    Dates are days in each location's own time zone; times come back with that zone's offset.
    """
    practitioner = practitioner_get_bookable(pk=practitioner_id, profile=False)
    if practitioner is None:
        raise Http404
    if query.service_id is not None:
        service = next((s for s in practitioner.services.all() if s.pk == query.service_id), None)
        if service is None:
            raise InvalidInput("This practitioner does not offer that service.")
    else:
        service = default_services([practitioner.pk]).get(practitioner.pk)
    location = None
    if query.location_id is not None:
        location = location_get(pk=query.location_id)
        if location is None or not location.is_active:
            raise InvalidInput("There is no open location with that id.")
    lo, hi = _date_span(query.start, query.end)
    if hi < lo:
        raise InvalidInput("The end must not be before the start.")
    if _days_asked(query.start, query.end) > max_slot_days():
        raise InvalidInput(f"Ask for at most {max_slot_days()} days at a time.")
    if service is None:
        return []
    slots = slots_free(
        practitioner=practitioner, service=service, start_date=lo, end_date=hi, location=location
    )
    zones = {pk: loc.time_zone for pk, loc in locations_by_id(s.location_id for s in slots).items()}
    out = []
    for slot in slots:
        time_zone = zones[slot.location_id]
        if _within(slot, zone(time_zone), query.start, query.end):
            out.append(slot_out(slot, service_id=service.pk, time_zone=time_zone))
    return out
