"""IHE scheduling operations on Appointment: $find free times, $hold one, $book it."""

from collections.abc import Callable
from functools import partial

from django.http import HttpRequest, HttpResponse
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.parameters import Parameters

from carebook.accounts.models import User
from carebook.booking.lookups import proposal_patient
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_book_held
from carebook.clinic.selectors import locations_by_id
from carebook.core.limits import TooManyValues, capped, max_params
from carebook.core.timeutils import now as utcnow
from carebook.fhir import resources as res
from carebook.fhir.responses import FhirError
from carebook.fhir.search import bundle, date_range, reference_ids, tokens
from carebook.fhir.selectors import appointments_for_fhir, practitioners_listed, schedule_pairs
from carebook.fhir.views.appointment import appointment_out
from carebook.fhir.views.common import (
    Search,
    built,
    default_tz,
    few_schedules,
    fhir_endpoint,
    in_time_order,
    json_body,
    one,
    parse,
    time_span,
    write,
)
from carebook.fhir.views.slot import offered
from carebook.fhir.views.target import Target, target_from_key, target_from_resource

FIND_PARAMS = ("start", "end", "practitioner", "specialty", "location", "service-type", "patient")


def _operation_params(request: HttpRequest) -> dict[str, list]:
    """Operation inputs by name: from the query (GET) or a Parameters body (POST).

    A bare Appointment body counts as the `appointment` parameter.
    """
    if request.method == "GET":
        return _few({k: request.GET.getlist(k) for k in request.GET})
    data = json_body(request)
    if data.get("resourceType") == "Appointment":
        return {"appointment": [parse(FhirAppointment, data)]}
    if data.get("resourceType") != "Parameters":
        raise FhirError(400, "structure", "Send a Parameters resource.")
    out: dict[str, list] = {}
    for param in parse(Parameters, data).parameter or []:
        value = param.resource
        if value is None:
            for attr in (
                "valueString",
                "valueCode",
                "valueDateTime",
                "valueDate",
                "valueInstant",
                "valueInteger",
                "valueUri",
            ):
                value = getattr(param, attr, None)
                if value is not None:
                    break
        if value is None and param.valueReference is not None:
            value = param.valueReference.reference
        if value is None and param.valueCoding is not None:
            value = param.valueCoding.code
        if value is not None:
            out.setdefault(param.name, []).append(
                value.isoformat() if hasattr(value, "isoformat") else value
            )
    return _few(out)


def _few(params: dict[str, list]) -> dict[str, list]:
    """`params` with repeated values dropped; 400 when they ask for more than a request may."""
    if len(params) > max_params():
        raise FhirError(400, "too-costly", f"Give at most {max_params()} different parameters.")
    try:
        return {
            name: capped(name, values) if all(isinstance(v, str) for v in values) else values
            for name, values in params.items()
        }
    except TooManyValues as exc:
        raise FhirError(400, "too-costly", str(exc), [exc.name]) from exc


def _strings(params: dict[str, list], name: str) -> list[str]:
    values = params.get(name, [])
    if not all(isinstance(v, str) for v in values):
        raise FhirError(400, "invalid", f"{name} must be a simple value.", [name])
    return values


class _QueryLike:
    """Enough of a QueryDict for `paging` over operation parameters."""

    def __init__(self, params: dict[str, list]):
        self.params = params

    def get(self, name, default=None):
        values = self.params.get(name)
        return str(values[0]) if values else default


# $find -------------------------------------------------------------------------------------------


@fhir_endpoint("GET", "POST")
def appointment_find(request: HttpRequest) -> HttpResponse:
    """$find: free slots as proposed Appointments, for practitioners, specialty, location, time."""
    params = _operation_params(request)
    search = Search(request, _QueryLike(params))
    now = utcnow()
    tz = default_tz()
    start_values, end_values = _strings(params, "start"), _strings(params, "end")
    lo = date_range(start_values, tz, name="start")[0] if start_values else None
    hi = None
    if end_values:
        # An end date includes that whole day; an end time is exact.
        hi = date_range([f"le{end_values[0]}"], tz, name="end")[1]
    lo, hi = time_span(lo, hi, now, name="end")
    qs = practitioners_listed()
    practitioner_ids = reference_ids(
        _strings(params, "practitioner"), "Practitioner", name="practitioner"
    )
    if practitioner_ids:
        qs = qs.filter(pk__in=practitioner_ids)
    specialties = tokens(
        _strings(params, "specialty"), name="specialty", system=res.SPECIALTY_SYSTEM
    )
    if specialties:
        qs = qs.filter(specialties__slug__in=specialties).distinct()
    location_ids = reference_ids(_strings(params, "location"), "Location", name="location")
    codes = tokens(_strings(params, "service-type"), name="service-type", system=res.SERVICE_SYSTEM)
    patient_ids = reference_ids(_strings(params, "patient"), "Patient", name="patient")
    patient = proposal_patient(
        by=request.fhir_user, patient_id=patient_ids[0] if patient_ids else None
    )
    pairs = few_schedules(
        schedule_pairs(
            practitioner_ids=list(qs.values_list("pk", flat=True)),
            location_ids=location_ids or None,
        ),
        narrow="narrow it by practitioner, specialty or location",
    )
    locations = locations_by_id(loc for _, loc in pairs)
    by_id = {p.pk: p for p in qs.filter(pk__in={pid for pid, _ in pairs})}
    found = []
    free = offered(
        [(by_id[pid], locations[lid]) for pid, lid in pairs], codes, start=lo, end=hi, now=now
    )
    for pid, lid in pairs:
        practitioner, location = by_id[pid], locations[lid]
        for key, end, service in free[(pid, lid)]:
            build = partial(
                res.proposed_appointment_resource,
                key,
                end=end,
                practitioner=practitioner,
                location=location,
                service=service,
                patient=patient,
            )
            found.append((key.start, key.id, build))
    links = {
        k: v for k, v in params.items() if k in FIND_PARAMS and all(isinstance(x, str) for x in v)
    }
    return search.items("Appointment/$find", links, in_time_order(found), built)


# $hold and $book ---------------------------------------------------------------------------------


def _chosen(params: dict[str, list]) -> tuple[FhirAppointment | None, str | None, int | None]:
    """(appointment resource, id it refers to, patient id) from $hold/$book parameters."""
    resources = [v for v in params.get("appointment", []) if isinstance(v, FhirAppointment)]
    if params.get("appointment") and not resources:
        raise FhirError(400, "invalid", "appointment must be an Appointment resource.")
    appointment = resources[0] if resources else None
    refs = _strings(params, "appointment-reference")
    ref_id = (
        refs[0].rstrip("/").rsplit("/", 1)[-1]
        if refs
        else (appointment.id if appointment else None)
    )
    patients = reference_ids(_strings(params, "patient"), "Patient", name="patient")
    if appointment is None and ref_id is None:
        raise FhirError(
            400, "required", "Give an appointment (resource) or an appointment-reference."
        )
    return appointment, ref_id, patients[0] if patients else None


def _target(
    appointment: FhirAppointment | None, ref_id: str | None, patient_id: int | None
) -> Target:
    if ref_id and ref_id.startswith(res.PROPOSED_PREFIX):
        key = res.SlotKey.parse(ref_id.removeprefix(res.PROPOSED_PREFIX))
        if key is None:
            raise FhirError(404, "not-found", f"Appointment/{ref_id} is not known here.")
        extra = {"patient_id": patient_id}
        if appointment is not None:
            found = target_from_resource(appointment, patient_id=patient_id)
            extra.update(mode=found.mode, reason=found.reason, patient_id=found.patient_id)
        return target_from_key(key, **extra)
    if appointment is None:
        raise FhirError(404, "not-found", f"Appointment/{ref_id} is not known here.")
    return target_from_resource(appointment, patient_id=patient_id)


Act = Callable[[User, FhirAppointment | None, str | None, int | None], Appointment]


def _operation(request: HttpRequest, act: Act) -> HttpResponse:
    """Run `act` on the chosen appointment once; answer it as a one-entry Bundle."""
    user = request.fhir_user
    params = _operation_params(request)

    def work() -> tuple[int, dict]:
        appointment = act(user, *_chosen(params))
        result = bundle(
            request,
            path="Appointment",
            params={"_id": [str(appointment.pk)]},
            resources=[appointment_out(user, appointment.pk)],
            total=1,
            count=1,
            page=1,
        )
        return 200, result

    return write(request, work)


def _hold(user: User, appointment, ref_id: str | None, patient_id: int | None) -> Appointment:
    if ref_id and ref_id.isdigit():
        raise FhirError(409, "business-rule", "That appointment exists already; $book it.")
    return _target(appointment, ref_id, patient_id).book(user, hold=True)


def _book(user: User, appointment, ref_id: str | None, patient_id: int | None) -> Appointment:
    if ref_id and ref_id.isdigit():
        held = one(appointments_for_fhir(user), "Appointment", ref_id)
        return appointment_book_held(appointment=held, by=user)
    return _target(appointment, ref_id, patient_id).book(user)


@fhir_endpoint("POST", auth=True)
def appointment_hold_op(request: HttpRequest) -> HttpResponse:
    """$hold: keep a proposed appointment's slot for a few minutes (status pending)."""
    return _operation(request, _hold)


@fhir_endpoint("POST", auth=True)
def appointment_book_op(request: HttpRequest) -> HttpResponse:
    """$book: book a held (pending) appointment, or a proposed one directly; 409 if taken."""
    return _operation(request, _book)
