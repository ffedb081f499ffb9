"""IHE ITI Scheduling on Appointment: $find free times (ITI-115), $hold one (ITI-116), $book it
(ITI-117), with IHE's parameter names; carebook's shorter names are kept as aliases."""

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
from carebook.core.errors import SlotUnavailable
from carebook.core.limits import TooManyValues, capped, max_params
from carebook.core.timeutils import now as utcnow
from carebook.core.versions import version_from_if_match
from carebook.fhir import resources as res
from carebook.fhir.responses import FhirError
from carebook.fhir.search import bundle, date_range, reference_ids, split, tokens
from carebook.fhir.selectors import (
    appointments_for_fhir,
    location_ids_matching,
    practitioner_ids_identified,
    practitioners_listed,
    schedule_pairs,
)
from carebook.fhir.views.appointment import appointment_out
from carebook.fhir.views.common import (
    Search,
    built,
    default_tz,
    fatal,
    fatal_in_bundle,
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
from carebook.fhir.views.update import appointment_change

# IHE's names, then carebook's aliases. A reference given as an identifier (a Parameters
# valueReference.identifier, or GET practitioner:identifier=system|value) is "<name>:identifier".
FIND_PARAMS = (
    "start",
    "end",
    "specialty",
    "visit-type",
    "practitioner",
    "practitioner:identifier",
    "location-reference",
    "location-string",
    "patient-reference",
    "service-type",
    "location",
    "patient",
)
HOLD_PARAMS = ("appointment-reference", "appointment-resource", "appointment", "patient")
BOOK_PARAMS = (*HOLD_PARAMS, "comment")


def _operation_params(request: HttpRequest) -> dict[str, list]:
    """Operation inputs by name: from the query (GET) or a Parameters body (POST).

    A bare Appointment body counts as the `appointment-resource` parameter.
    """
    if request.method == "GET":
        return _few({k: request.GET.getlist(k) for k in request.GET})
    data = json_body(request)
    if data.get("resourceType") == "Appointment":
        return {"appointment-resource": [parse(FhirAppointment, data)]}
    if data.get("resourceType") != "Parameters":
        raise FhirError(400, "structure", "Send a Parameters resource.")
    out: dict[str, list] = {}
    for param in parse(Parameters, data).parameter or []:
        name, value = param.name, param.resource
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
        reference = param.valueReference
        if value is None and reference is not None:
            if reference.reference:
                value = reference.reference
            elif reference.identifier is not None:
                name = f"{param.name}:identifier"
                value = f"{reference.identifier.system or ''}|{reference.identifier.value or ''}"
        if value is None and param.valueCoding is not None:
            coding = param.valueCoding
            value = f"{coding.system}|{coding.code}" if coding.system else coding.code
        if value is not None:
            out.setdefault(name, []).append(
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


def _strings(params: dict[str, list], *names: str) -> list[str]:
    """The values of `names` (an IHE name and its aliases), all simple values."""
    values = [v for name in names for v in params.get(name, [])]
    if not all(isinstance(v, str) for v in values):
        raise FhirError(400, "invalid", f"{names[0]} must be a simple value.", [names[0]])
    return values


class _QueryLike:
    """Enough of a QueryDict for `Search` over operation parameters."""

    def __init__(self, params: dict[str, list]):
        self.params = params

    def get(self, name, default=None):
        values = self.params.get(name)
        return str(values[0]) if values else default

    def getlist(self, name) -> list:
        return list(self.params.get(name, []))

    def keys(self):
        return self.params.keys()


# $find -------------------------------------------------------------------------------------------


def _practitioners_named(params: dict[str, list], search: Search) -> list[int] | None:
    """Practitioner ids named by reference or identifier (any of them); None if none named."""
    refs = _strings(params, "practitioner")
    identified = _strings(params, "practitioner:identifier")
    if not refs and not identified:
        return None
    ids = reference_ids(refs, "Practitioner", name="practitioner")
    pairs = [item.partition("|")[::2] for item in split(identified, name="practitioner")]
    known = practitioner_ids_identified(pairs)
    if identified and not known:
        search.note(
            "No practitioner here has the identifier given (we know urn:carebook:practitioner "
            "and urn:carebook:registration).",
            "not-found",
        )
    return list(dict.fromkeys(ids + known))


def _locations_named(params: dict[str, list]) -> list[int] | None:
    refs = _strings(params, "location-reference", "location")
    texts = [t.strip() for t in _strings(params, "location-string") if t.strip()]
    if not refs and not texts:
        return None
    ids = reference_ids(refs, "Location", name="location-reference")
    if texts:
        ids += location_ids_matching(split(texts, name="location-string"))
    return list(dict.fromkeys(ids))


@fhir_endpoint("GET", "POST", errors=fatal)
def appointment_find(request: HttpRequest) -> HttpResponse:
    """$find (ITI-115): free slots as proposed Appointments; every criterion given narrows."""
    params = _operation_params(request)
    search = Search(request, FIND_PARAMS, _QueryLike(params))
    now = utcnow()
    tz = default_tz()
    start_values, end_values = _strings(params, "start"), _strings(params, "end")
    lo = date_range(start_values, tz, name="start")[0] if start_values else None
    hi = None
    if end_values:
        # An end date includes that whole day; an end time is exact.
        hi = date_range([f"le{end_values[0]}"], tz, name="end")[1]
    lo, hi = time_span(lo, hi, now, name="end", search=search)
    qs = practitioners_listed()
    practitioner_ids = _practitioners_named(params, search)
    if practitioner_ids is not None:
        qs = qs.filter(pk__in=practitioner_ids)
    specialties = tokens(
        _strings(params, "specialty"), name="specialty", system=res.SPECIALTY_SYSTEM
    )
    if specialties:
        qs = qs.filter(specialties__slug__in=specialties).distinct()
    location_ids = _locations_named(params)
    codes = tokens(
        _strings(params, "visit-type", "service-type"),
        name="visit-type",
        system=res.SERVICE_SYSTEM,
    )
    patient_ids = reference_ids(
        _strings(params, "patient-reference", "patient"), "Patient", name="patient-reference"
    )
    if len(patient_ids) > 1:
        raise FhirError(
            400, "not-supported", "Group appointments (several patients) are not offered here."
        )
    patient = proposal_patient(
        by=request.fhir_user, patient_id=patient_ids[0] if patient_ids else None
    )
    pairs = few_schedules(
        schedule_pairs(
            practitioner_ids=list(qs.values_list("pk", flat=True)), location_ids=location_ids
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
                requested=(lo, hi),
            )
            found.append((key.start, key.id, build))
    links = {
        k: v for k, v in params.items() if k in FIND_PARAMS and all(isinstance(x, str) for x in v)
    }
    return search.items("Appointment/$find", links, in_time_order(found), built)


# $hold and $book ---------------------------------------------------------------------------------


def _resource(params: dict[str, list]) -> FhirAppointment | None:
    values = params.get("appointment-resource", []) + params.get("appointment", [])
    resources = [v for v in values if isinstance(v, FhirAppointment)]
    if values and len(resources) != len(values):
        raise FhirError(400, "invalid", "appointment-resource must be an Appointment resource.")
    return resources[0] if resources else None


def _chosen(params: dict[str, list]) -> tuple[FhirAppointment | None, str | None, int | None]:
    """(appointment resource, id it refers to, patient id) from $hold/$book parameters."""
    appointment = _resource(params)
    refs = _strings(params, "appointment-reference")
    ref_id = (
        refs[0].rstrip("/").rsplit("/", 1)[-1]
        if refs
        else (appointment.id if appointment else None)
    )
    patients = reference_ids(_strings(params, "patient"), "Patient", name="patient")
    if appointment is None and ref_id is None:
        raise FhirError(
            400, "required", "Give an appointment-reference (or an appointment-resource)."
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


Act = Callable[[User, dict[str, list]], Appointment]


def _operation(request: HttpRequest, params: dict, declared: tuple, act: Act) -> HttpResponse:
    """Run `act` once; answer the appointment as a one-entry Bundle (ITI-116/117), with an
    OperationOutcome entry saying what was ignored."""
    user = request.fhir_user
    search = Search(request, declared, _QueryLike(params))

    def work() -> tuple[int, dict]:
        appointment = act(user, params)
        result = bundle(
            request,
            path="Appointment",
            params={"_id": [str(appointment.pk)]},
            resources=[appointment_out(user, appointment.pk)],
            total=1,
            count=1,
            page=1,
            issues=search.issues,
        )
        return 200, result

    return write(request, work, fatal_in_bundle)


def _hold(user: User, params: dict[str, list]) -> Appointment:
    appointment, ref_id, patient_id = _chosen(params)
    if ref_id and ref_id.isdigit():
        raise FhirError(409, "business-rule", "That appointment exists already; $book it.")
    try:
        return _target(appointment, ref_id, patient_id).book(user, hold=True)
    except SlotUnavailable as exc:
        # ITI-116: an appointment that can no longer be held is answered not-found.
        raise FhirError(409, "not-found", exc.message) from exc


def _expected_version(if_match: int | None, appointment: FhirAppointment | None) -> int | None:
    """The version $book acts on: If-Match's, else the appointment-resource's meta.versionId."""
    if if_match is not None:
        return if_match
    version_id = appointment.meta.versionId if appointment and appointment.meta else None
    if version_id is None:
        return None
    if not version_id.isdigit() or len(version_id) > 18:
        raise FhirError(
            400, "invalid", "meta.versionId must be a version we issued.", ["Appointment.meta"]
        )
    return int(version_id)


def _book(user: User, params: dict[str, list], if_match: int | None = None) -> Appointment:
    appointment, ref_id, patient_id = _chosen(params)
    comment = next(iter(_strings(params, "comment")), "")
    if ref_id and ref_id.isdigit():
        existing = one(appointments_for_fhir(user), "Appointment", ref_id)
        expected = _expected_version(if_match, appointment)
        if appointment is None:
            return appointment_book_held(appointment=existing, by=user, expected_version=expected)
        return _change(user, existing, appointment, comment, expected)
    if appointment is not None and appointment.status not in ("pending", "proposed"):
        raise FhirError(
            422,
            "business-rule",
            "A new appointment is booked with status pending.",
            ["Appointment.status"],
        )
    if comment and appointment is not None and not appointment.comment:
        appointment.comment = comment
    return _target(appointment, ref_id, patient_id).book(user)


def _change(
    user: User,
    existing: Appointment,
    wanted: FhirAppointment,
    comment: str,
    expected_version: int | None,
):
    """ITI-117 on an existing appointment: book a hold, modify (booked) or cancel it, on the
    version `expected_version` if given."""
    data = wanted.model_dump(mode="json", by_alias=True, exclude_none=True)
    if data.get("status") == "pending":
        data["status"] = "booked"  # the hold itself, sent back to be booked
    if data.get("status") == "cancelled" and comment and "cancelationReason" not in data:
        data["cancelationReason"] = {"text": comment}
    current = appointment_out(user, existing.pk)
    return appointment_change(
        appointment=existing,
        current=current,
        wanted=data,
        by=user,
        expected_version=expected_version,
    )


@fhir_endpoint("POST", auth=True, errors=fatal_in_bundle)
def appointment_hold_op(request: HttpRequest) -> HttpResponse:
    """$hold (ITI-116): keep a proposed appointment's slot for a few minutes (status pending)."""
    return _operation(request, _operation_params(request), HOLD_PARAMS, _hold)


@fhir_endpoint("POST", auth=True, errors=fatal_in_bundle)
def appointment_book_op(request: HttpRequest) -> HttpResponse:
    """$book (ITI-117): book a held or proposed appointment (booked), or modify or cancel a
    booked one (appointment-resource); an appointment no longer free is 409, and one changed
    since the version given (If-Match, or the resource's meta.versionId) is 412."""
    if_match = version_from_if_match(request.headers.get("If-Match"))
    return _operation(
        request, _operation_params(request), BOOK_PARAMS, partial(_book, if_match=if_match)
    )
