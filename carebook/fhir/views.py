"""FHIR R4 endpoints: thin views over the same selectors and services as the REST API."""

import functools
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pydantic
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.parameters import Parameters

from carebook.accounts.models import User
from carebook.api.auth import request_user
from carebook.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from carebook.api.idempotency import REPLAYED_HEADER, run_once
from carebook.api.lookups import (
    booking_location,
    booking_patient,
    booking_practitioner,
    booking_service,
)
from carebook.api.selectors import locations_by_id, user_get
from carebook.booking.availability import default_services
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_book,
    appointment_book_held,
    appointment_cancel,
    appointment_hold,
)
from carebook.clinic.models import Location, Practitioner, Service, VisitMode
from carebook.clinic.selectors import practitioner_locations
from carebook.core.errors import InvalidInput
from carebook.core.timeutils import now as utcnow
from carebook.fhir import resources as res
from carebook.fhir.capability import capability_statement
from carebook.fhir.responses import FhirError, error_answer, fhir_response, outcome, render_fhir
from carebook.fhir.search import (
    base_url,
    bundle,
    date_range,
    page_slice,
    paging,
    reference_ids,
    tokens,
)
from carebook.fhir.selectors import (
    appointments_for_fhir,
    busy_appointments,
    cancel_reason,
    free_slots_between,
    locations_listed,
    practitioners_listed,
    schedule_pairs,
    slot_is_busy,
)
from carebook.scheduling.selectors import DEFAULT_RULES

logger = logging.getLogger(__name__)

DEFAULT_SPAN = timedelta(days=7)
MAX_SPAN = timedelta(days=62)
_REFERENCE = re.compile(r"(?:^|/)(Practitioner|PractitionerRole|Location|Patient)/(\d{1,18})$")


# Plumbing ----------------------------------------------------------------------------------------


def error_response(exc: Exception) -> HttpResponse:
    answer = error_answer(exc)
    if answer is None:
        logger.exception("Unhandled FHIR error", exc_info=exc)
        answer = 500, outcome("exception", "Something went wrong on our side."), {}
    status, body, headers = answer
    return fhir_response(body, status, headers)


def fhir_endpoint(*methods: str, auth: bool = False):
    """Answer only `methods`, find the caller (401 if `auth` and there is none), never raise."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt  # bearer requests carry no cookie; session writes are checked in request_user
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                if request.method not in methods:
                    response = error_response(
                        FhirError(405, "not-supported", f"{request.method} is not supported here.")
                    )
                    response["Allow"] = ", ".join(methods)
                    return response
                if any("\x00" in v for _, values in request.GET.lists() for v in values):
                    raise FhirError(400, "invalid", "Parameters must not contain NUL characters.")
                user = request_user(request)
                if auth and user is None:
                    raise FhirError(401, "login", "Send a valid bearer token (or log in).")
                request.fhir_user = user
                return view(request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every failure becomes an OperationOutcome
                return error_response(exc)

        return wrapper

    return decorate


def json_body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise FhirError(400, "structure", "The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise FhirError(400, "structure", "The body must be a FHIR resource (a JSON object).")
    if _has_nul(data):
        raise FhirError(400, "invalid", "Text must not contain NUL characters.")
    return data


def _has_nul(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse(model, data: dict):
    """Validate `data` as the R4B `model`, or answer 400 naming where it is wrong."""
    try:
        return model.model_validate(data)
    except (pydantic.ValidationError, ValueError, TypeError) as exc:
        errors = exc.errors() if isinstance(exc, pydantic.ValidationError) else []
        where = [
            ".".join([model.__name__, *(str(p) for p in e.get("loc", ()))]) for e in errors[:5]
        ]
        first = " ".join(str(errors[0].get("msg", "") if errors else exc).split())
        raise FhirError(400, "structure", f"Not a valid {model.__name__}: {first}", where) from exc


def write(request: HttpRequest, work: Callable[[], tuple[int, dict]]) -> HttpResponse:
    """Run a change, honouring Idempotency-Key; failures are answered (and replayed) too."""

    def guarded() -> tuple[int, dict]:
        try:
            return work()
        except Exception as exc:
            answer = error_answer(exc)
            if answer is None:
                raise
            return answer[0], answer[1]

    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        status, body = guarded()
        text, replayed = render_fhir(body), False
    else:
        status, text, replayed = run_once(
            request, user=request.fhir_user, key=key, work=guarded, render=render_fhir
        )
        body = json.loads(text)
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    if status == 201 and body.get("resourceType") == "Appointment":
        headers["Location"] = f"{base_url(request)}Appointment/{body['id']}"
    return fhir_response(text, status, headers)


def id_filter(params) -> list[int] | None:
    """Ids asked for with _id, or None when not asked; ids we never issue match nothing."""
    values = params.getlist("_id")
    if not values:
        return None
    return [int(v) for raw in values for v in raw.split(",") if v.strip().isdigit() and len(v) < 19]


def kept(params, *names: str) -> dict[str, list[str]]:
    """The search parameters we understood, to repeat in the Bundle's paging links."""
    return {name: params.getlist(name) for name in names if params.getlist(name)}


def searchset(request, path, params, names, resources, total, count, page) -> HttpResponse:
    return fhir_response(
        bundle(
            request,
            path=path,
            params=kept(params, *names),
            resources=resources,
            total=total,
            count=count,
            page=page,
        )
    )


def page_of(qs, count: int, page: int) -> list:
    """The rows of one searchset page (`_count=0` asks for the total only)."""
    return list(qs[(page - 1) * count : page * count]) if count else []


def default_tz():
    return timezone.get_default_timezone()


# Conformance and directory -----------------------------------------------------------------------


@fhir_endpoint("GET")
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement(base_url(request)))


def _practitioners(params):
    qs = practitioners_listed()
    ids = id_filter(params)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    for name in params.getlist("name"):
        qs = qs.filter(user__full_name__icontains=name.strip())
    specialties = tokens(params.getlist("specialty"), system=res.SPECIALTY_SYSTEM)
    if specialties:
        qs = qs.filter(specialties__slug__in=specialties)
    return qs.distinct()


@fhir_endpoint("GET")
def practitioner_search(request: HttpRequest) -> HttpResponse:
    params = request.GET
    count, page = paging(params)
    qs = _practitioners(params)
    items = page_of(qs, count, page)
    return searchset(
        request,
        "Practitioner",
        params,
        ("_id", "name", "specialty"),
        [res.practitioner_resource(p) for p in items],
        qs.count(),
        count,
        page,
    )


@fhir_endpoint("GET")
def practitioner_read(request: HttpRequest, pk: str) -> HttpResponse:
    practitioner = practitioners_listed().filter(pk=_int_id(pk, "Practitioner")).first()
    if practitioner is None:
        raise _not_found("Practitioner", pk)
    return fhir_response(res.practitioner_resource(practitioner))


def _int_id(value: str, kind: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise _not_found(kind, value)
    return int(value)


def _not_found(kind: str, pk: str) -> FhirError:
    return FhirError(404, "not-found", f"{kind}/{pk} is not known here.")


@fhir_endpoint("GET")
def practitioner_role_search(request: HttpRequest) -> HttpResponse:
    params = request.GET
    count, page = paging(params)
    qs = _practitioners(params)
    practitioner_ids = reference_ids(
        params.getlist("practitioner"), "Practitioner", name="practitioner"
    )
    if practitioner_ids:
        qs = qs.filter(pk__in=practitioner_ids)
    location_ids = reference_ids(params.getlist("location"), "Location", name="location")
    if location_ids:
        qs = qs.filter(windows__location_id__in=location_ids).distinct()
    items = page_of(qs, count, page)
    locations = practitioner_locations([p.pk for p in items])
    return searchset(
        request,
        "PractitionerRole",
        params,
        ("_id", "practitioner", "specialty", "location"),
        [res.practitioner_role_resource(p, locations.get(p.pk, [])) for p in items],
        qs.count(),
        count,
        page,
    )


@fhir_endpoint("GET")
def practitioner_role_read(request: HttpRequest, pk: str) -> HttpResponse:
    practitioner = practitioners_listed().filter(pk=_int_id(pk, "PractitionerRole")).first()
    if practitioner is None:
        raise _not_found("PractitionerRole", pk)
    locations = practitioner_locations([practitioner.pk]).get(practitioner.pk, [])
    return fhir_response(res.practitioner_role_resource(practitioner, locations))


@fhir_endpoint("GET")
def location_search(request: HttpRequest) -> HttpResponse:
    params = request.GET
    count, page = paging(params)
    qs = locations_listed()
    ids = id_filter(params)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    for name in params.getlist("name"):
        qs = qs.filter(name__icontains=name.strip())
    for city in params.getlist("address-city"):
        qs = qs.filter(city__istartswith=city.strip())
    items = page_of(qs, count, page)
    return searchset(
        request,
        "Location",
        params,
        ("_id", "name", "address-city"),
        [res.location_resource(loc) for loc in items],
        qs.count(),
        count,
        page,
    )


@fhir_endpoint("GET")
def location_read(request: HttpRequest, pk: str) -> HttpResponse:
    location = locations_listed().filter(pk=_int_id(pk, "Location")).first()
    if location is None:
        raise _not_found("Location", pk)
    return fhir_response(res.location_resource(location))


def _schedules(pairs: list[tuple[int, int]], now: datetime) -> list[dict]:
    practitioners = {p.pk: p for p in practitioners_listed().filter(pk__in={p for p, _ in pairs})}
    locations = locations_by_id(loc for _, loc in pairs)
    out = []
    for pid, lid in pairs:
        practitioner = practitioners[pid]
        rules = getattr(practitioner, "booking_rules", None)
        horizon = rules.max_days_ahead if rules else DEFAULT_RULES.max_days_ahead
        out.append(
            res.schedule_resource(practitioner, locations[lid], horizon_days=horizon, now=now)
        )
    return out


@fhir_endpoint("GET")
def schedule_search(request: HttpRequest) -> HttpResponse:
    params = request.GET
    count, page = paging(params)
    practitioner_ids, location_ids = [], []
    for raw in params.getlist("actor"):
        for item in raw.split(","):
            if "Location/" in item:
                location_ids += reference_ids([item], "Location", name="actor")
            else:
                practitioner_ids += reference_ids([item], "Practitioner", name="actor")
    pairs = schedule_pairs(
        practitioner_ids=practitioner_ids or None, location_ids=location_ids or None
    )
    wanted = params.getlist("_id")
    if wanted:
        ids = {i.strip() for raw in wanted for i in raw.split(",")}
        pairs = [p for p in pairs if res.schedule_id(*p) in ids]
    return searchset(
        request,
        "Schedule",
        params,
        ("_id", "actor"),
        _schedules(page_slice(pairs, count, page), utcnow()),
        len(pairs),
        count,
        page,
    )


@fhir_endpoint("GET")
def schedule_read(request: HttpRequest, pk: str) -> HttpResponse:
    pair = res.parse_schedule_id(pk)
    if pair is None or pair not in schedule_pairs(
        practitioner_ids=[pair[0]], location_ids=[pair[1]]
    ):
        raise _not_found("Schedule", pk)
    return fhir_response(_schedules([pair], utcnow())[0])


# Slots -------------------------------------------------------------------------------------------


def _services_for(practitioner: Practitioner, codes: list[str]) -> list[Service]:
    active = {s.pk: s for s in practitioner.services.all()}
    if not codes:
        default = default_services([practitioner.pk]).get(practitioner.pk)
        return [default] if default else []
    return [active[int(c)] for c in codes if c.isdigit() and len(c) < 19 and int(c) in active]


def _slot_span(values: list[str], tz, now: datetime) -> tuple[datetime, datetime]:
    lo, hi = date_range(values, tz, name="start")
    lo = lo or now
    hi = hi or lo + DEFAULT_SPAN
    if hi - lo > MAX_SPAN:
        raise FhirError(400, "too-costly", "Ask for at most 62 days of slots at a time.", ["start"])
    return lo, hi


@fhir_endpoint("GET")
def slot_search(request: HttpRequest) -> HttpResponse:
    params = request.GET
    count, page = paging(params)
    now = utcnow()
    wanted = []
    for raw in params.getlist("schedule"):
        for item in raw.split(","):
            pair = res.parse_schedule_id(item.strip().rsplit("Schedule/", 1)[-1])
            if pair is None:
                raise FhirError(400, "invalid", "schedule must be Schedule/<id>.", ["schedule"])
            wanted.append(pair)
    if not wanted:
        raise FhirError(
            400, "too-costly", "Slot search needs schedule=Schedule/<id>; see Schedule search."
        )
    known = schedule_pairs(practitioner_ids=[p for p, _ in wanted])
    pairs = [p for p in known if p in wanted]
    locations = locations_by_id(loc for _, loc in pairs)
    tz = locations[pairs[0][1]].tz if len(pairs) == 1 else default_tz()
    lo, hi = _slot_span(params.getlist("start"), tz, now)
    statuses = set(tokens(params.getlist("status"))) or {"free", "busy"}
    codes = tokens(params.getlist("service-type"), system=res.SERVICE_SYSTEM)
    practitioners = {p.pk: p for p in practitioners_listed().filter(pk__in={p for p, _ in pairs})}
    found: list[tuple[datetime, str, dict]] = []
    for pid, lid in pairs:
        practitioner, location = practitioners[pid], locations[lid]
        services = _services_for(practitioner, codes)
        if "free" in statuses:
            for service in services:
                for slot in free_slots_between(
                    practitioner=practitioner,
                    service=service,
                    location=location,
                    start=lo,
                    end=hi,
                    now=now,
                ):
                    key = res.SlotKey(pid, lid, service.pk, slot.start)
                    found.append(
                        (
                            slot.start,
                            key.id,
                            res.slot_resource(
                                key,
                                end=slot.end,
                                status="free",
                                service=service,
                                time_zone=location.time_zone,
                            ),
                        )
                    )
        if "busy" in statuses:
            busy = busy_appointments(
                practitioner_id=pid, location_id=lid, start=lo, end=hi, now=now
            )
            if codes:
                busy = busy.filter(service_id__in=[int(c) for c in codes if c.isdigit()][:100])
            for appointment in busy:
                key = res.SlotKey(pid, lid, appointment.service_id, appointment.start)
                found.append(
                    (
                        appointment.start,
                        key.id,
                        res.slot_resource(
                            key,
                            end=appointment.end,
                            status="busy",
                            service=appointment.service,
                            time_zone=location.time_zone,
                        ),
                    )
                )
    found.sort(key=lambda item: (item[0], item[1]))
    return searchset(
        request,
        "Slot",
        params,
        ("schedule", "start", "status", "service-type"),
        [r for _, _, r in page_slice(found, count, page)],
        len(found),
        count,
        page,
    )


@fhir_endpoint("GET")
def slot_read(request: HttpRequest, pk: str) -> HttpResponse:
    key = res.SlotKey.parse(pk)
    if key is None:
        raise _not_found("Slot", pk)
    now = utcnow()
    practitioner = practitioners_listed().filter(pk=key.practitioner_id).first()
    location = locations_listed().filter(pk=key.location_id, is_active=True).first()
    service = (
        next((s for s in practitioner.services.all() if s.pk == key.service_id), None)
        if practitioner
        else None
    )
    if practitioner is None or location is None or service is None:
        raise _not_found("Slot", pk)
    free = free_slots_between(
        practitioner=practitioner,
        service=service,
        location=location,
        start=key.start,
        end=key.start + timedelta(seconds=1),
        now=now,
    )
    if free:
        return fhir_response(
            res.slot_resource(
                key, end=free[0].end, status="free", service=service, time_zone=location.time_zone
            )
        )
    busy = slot_is_busy(key, now=now)
    if busy is None:
        raise _not_found("Slot", pk)
    return fhir_response(
        res.slot_resource(
            key, end=busy.end, status="busy", service=service, time_zone=location.time_zone
        )
    )


# Appointments ------------------------------------------------------------------------------------


def _appointment_out(user: User, pk: int) -> dict:
    appointment = appointments_for_fhir(user).get(pk=pk)
    return res.appointment_resource(appointment, cancel_reason=cancel_reason(appointment))


@fhir_endpoint("GET", "POST", auth=True)
def appointment_type(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return appointment_create(request)
    params = request.GET
    count, page = paging(params)
    qs = appointments_for_fhir(request.fhir_user)
    ids = id_filter(params)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    for name, kind, field in (
        ("patient", "Patient", "patient_id__in"),
        ("practitioner", "Practitioner", "practitioner_id__in"),
        ("location", "Location", "location_id__in"),
    ):
        values = reference_ids(params.getlist(name), kind, name=name)
        if values:
            qs = qs.filter(**{field: values})
    lo, hi = date_range(params.getlist("date"), default_tz(), name="date")
    if lo is not None:
        qs = qs.filter(start__gte=lo)
    if hi is not None:
        qs = qs.filter(start__lt=hi)
    statuses = tokens(params.getlist("status"))
    if statuses:
        qs = qs.filter(
            status__in=[ours for s in statuses for ours in res.STATUS_FROM_FHIR.get(s, [])]
        )
    qs = qs.order_by("start", "pk")
    items = page_of(qs, count, page)
    return searchset(
        request,
        "Appointment",
        params,
        ("_id", "patient", "practitioner", "location", "date", "status"),
        [res.appointment_resource(a, cancel_reason=cancel_reason(a)) for a in items],
        qs.count(),
        count,
        page,
    )


@dataclass
class Target:
    """What to book, read from a FHIR request."""

    practitioner: Practitioner
    location: Location
    service: Service
    start: datetime
    mode: str = ""
    reason: str = ""
    patient_id: int | None = None

    def book(self, by: User, *, hold: bool = False) -> Appointment:
        patient = booking_patient(by=by, patient_id=self.patient_id)
        mode = self.mode or (
            VisitMode.IN_PERSON if self.practitioner.offers_in_person else VisitMode.VIDEO
        )
        service = appointment_hold if hold else appointment_book
        return service(
            patient=patient,
            practitioner=self.practitioner,
            service=self.service,
            location=self.location,
            start=self.start,
            mode=mode,
            reason=self.reason,
            by=by,
        )


def _target_from_key(key: res.SlotKey, **extra) -> Target:
    practitioner = booking_practitioner(key.practitioner_id)
    return Target(
        practitioner=practitioner,
        location=booking_location(key.location_id),
        service=booking_service(key.service_id, practitioner=practitioner),
        start=key.start,
        **extra,
    )


def _participants(appointment: FhirAppointment) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for participant in appointment.participant or []:
        ref = participant.actor.reference if participant.actor else None
        match = _REFERENCE.search(ref or "")
        if match:
            found.setdefault(match[1], []).append(int(match[2]))
    return found


def _codes(concepts, system: str) -> list[str]:
    return [
        coding.code
        for concept in concepts or []
        for coding in concept.coding or []
        if coding.code and coding.system in (None, system)
    ]


def _target_from_resource(appointment: FhirAppointment, *, patient_id: int | None = None) -> Target:
    """A Slot reference, or start with Practitioner (and Location) participants; plus extras."""
    refs = _participants(appointment)
    patient_id = patient_id or next(iter(refs.get("Patient", [])), None)
    modes = _codes(
        [appointment.appointmentType] if appointment.appointmentType else [], res.VISIT_MODE_SYSTEM
    )
    if modes and modes[0] not in VisitMode.values:
        raise InvalidInput(f"appointmentType must be one of {', '.join(VisitMode.values)}.")
    reasons = [c.text for c in appointment.reasonCode or [] if c.text]
    extra = {
        "mode": modes[0] if modes else "",
        "reason": (reasons[0] if reasons else appointment.description or appointment.comment or ""),
        "patient_id": patient_id,
    }
    service_codes = _codes(appointment.serviceType, res.SERVICE_SYSTEM)
    if service_codes and not all(c.isdigit() and len(c) < 19 for c in service_codes):
        raise InvalidInput("serviceType must be a carebook service code.")
    slot_refs = [s.reference for s in appointment.slot or [] if s.reference]
    if slot_refs:
        key = res.SlotKey.parse(slot_refs[0].rsplit("Slot/", 1)[-1])
        if key is None:
            raise InvalidInput("That Slot is not one of ours.")
        target = _target_from_key(key, **extra)
        if service_codes and int(service_codes[0]) != target.service.pk:
            raise InvalidInput("The serviceType does not match the Slot.")
        return target
    if appointment.start is None:
        raise InvalidInput(
            "Give a Slot reference, or a start with Practitioner and Location participants."
        )
    practitioner_ids = refs.get("Practitioner") or refs.get("PractitionerRole")
    if not practitioner_ids:
        raise InvalidInput("Name the practitioner: a participant Practitioner/<id>.")
    practitioner = booking_practitioner(practitioner_ids[0])
    if refs.get("Location"):
        location = booking_location(refs["Location"][0])
    else:
        pairs = schedule_pairs(practitioner_ids=[practitioner.pk])
        if len(pairs) != 1:
            raise InvalidInput("Name the location: a participant Location/<id>.")
        location = booking_location(pairs[0][1])
    minutes = appointment.minutesDuration
    if appointment.end is not None:
        minutes = int((appointment.end - appointment.start).total_seconds() // 60)
    if service_codes:
        service = booking_service(int(service_codes[0]), practitioner=practitioner)
    else:
        active = sorted(
            practitioner.services.filter(is_active=True), key=lambda s: (s.duration_minutes, s.pk)
        )
        matching = [s for s in active if minutes is None or s.duration_minutes == minutes]
        if not matching:
            raise InvalidInput("No service of this practitioner lasts that long.")
        service = matching[0]
    if minutes is not None and minutes != service.duration_minutes:
        raise InvalidInput(
            f"{service.name} lasts {service.duration_minutes} minutes; the end does not match."
        )
    return Target(
        practitioner=practitioner,
        location=location,
        service=service,
        start=appointment.start,
        **extra,
    )


def appointment_create(request: HttpRequest) -> HttpResponse:
    data = json_body(request)
    user = request.fhir_user

    def work() -> tuple[int, dict]:
        appointment = _target_from_resource(parse(FhirAppointment, data)).book(user)
        return 201, _appointment_out(user, appointment.pk)

    return write(request, work)


@fhir_endpoint("GET", "PUT", auth=True)
def appointment_instance(request: HttpRequest, pk: str) -> HttpResponse:
    user = request.fhir_user
    appointment = appointments_for_fhir(user).filter(pk=_int_id(pk, "Appointment")).first()
    if appointment is None:
        raise _not_found("Appointment", pk)
    if request.method == "GET":
        return fhir_response(
            res.appointment_resource(appointment, cancel_reason=cancel_reason(appointment))
        )
    data = json_body(request)

    def work() -> tuple[int, dict]:
        wanted = parse(FhirAppointment, data)
        if wanted.id != pk:
            raise FhirError(400, "invalid", "The body's id must match the URL.", ["Appointment.id"])
        current = res.APPOINTMENT_STATUS[appointment.status]
        if wanted.status == current:
            return 200, _appointment_out(user, appointment.pk)
        if wanted.status != "cancelled":
            raise FhirError(
                422,
                "business-rule",
                "An update can only cancel an appointment (status: cancelled).",
                ["Appointment.status"],
            )
        reason = wanted.cancelationReason.text if wanted.cancelationReason else ""
        appointment_cancel(appointment=appointment, by=user, reason=reason or "")
        return 200, _appointment_out(user, appointment.pk)

    return write(request, work)


# IHE scheduling operations -----------------------------------------------------------------------


def _operation_params(request: HttpRequest) -> dict[str, list]:
    """Operation inputs by name: from the query (GET) or a Parameters body (POST).

    A bare Appointment body counts as the `appointment` parameter.
    """
    if request.method == "GET":
        return {k: request.GET.getlist(k) for k in request.GET}
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
    return out


def _strings(params: dict[str, list], name: str) -> list[str]:
    values = params.get(name, [])
    if not all(isinstance(v, str) for v in values):
        raise FhirError(400, "invalid", f"{name} must be a simple value.", [name])
    return values


@fhir_endpoint("GET", "POST")
def appointment_find(request: HttpRequest) -> HttpResponse:
    """$find: free slots as proposed Appointments, for practitioners, specialty, location, time."""
    params = _operation_params(request)
    count, page = paging(_QueryLike(params))
    now = utcnow()
    tz = default_tz()
    start_values, end_values = _strings(params, "start"), _strings(params, "end")
    lo = date_range(start_values, tz, name="start")[0] if start_values else None
    hi = None
    if end_values:
        # An end date includes that whole day; an end time is exact.
        hi = date_range([f"le{end_values[0]}"], tz, name="end")[1]
    lo = lo or now
    hi = hi or lo + DEFAULT_SPAN
    if hi - lo > MAX_SPAN:
        raise FhirError(400, "too-costly", "Ask for at most 62 days at a time.", ["end"])
    qs = practitioners_listed()
    practitioner_ids = reference_ids(
        _strings(params, "practitioner"), "Practitioner", name="practitioner"
    )
    if practitioner_ids:
        qs = qs.filter(pk__in=practitioner_ids)
    specialties = tokens(_strings(params, "specialty"), system=res.SPECIALTY_SYSTEM)
    if specialties:
        qs = qs.filter(specialties__slug__in=specialties).distinct()
    location_ids = reference_ids(_strings(params, "location"), "Location", name="location")
    codes = tokens(_strings(params, "service-type"), system=res.SERVICE_SYSTEM)
    patient = None
    patient_ids = reference_ids(_strings(params, "patient"), "Patient", name="patient")
    user = request.fhir_user
    if patient_ids and user is not None:
        patient = user_get(pk=patient_ids[0]) if user.is_staff else None
        if user.is_patient and user.pk == patient_ids[0]:
            patient = user
    practitioners = list(qs)
    pairs = schedule_pairs(
        practitioner_ids=[p.pk for p in practitioners], location_ids=location_ids or None
    )
    locations = locations_by_id(loc for _, loc in pairs)
    by_id = {p.pk: p for p in practitioners}
    found = []
    for pid, lid in pairs:
        practitioner, location = by_id[pid], locations[lid]
        for service in _services_for(practitioner, codes):
            for slot in free_slots_between(
                practitioner=practitioner,
                service=service,
                location=location,
                start=lo,
                end=hi,
                now=now,
            ):
                key = res.SlotKey(pid, lid, service.pk, slot.start)
                found.append(
                    (
                        slot.start,
                        key.id,
                        res.proposed_appointment_resource(
                            key,
                            end=slot.end,
                            practitioner=practitioner,
                            location=location,
                            service=service,
                            patient=patient,
                        ),
                    )
                )
    found.sort(key=lambda item: (item[0], item[1]))
    link_params = {
        k: v
        for k, v in params.items()
        if k in ("start", "end", "practitioner", "specialty", "location", "service-type", "patient")
        and all(isinstance(x, str) for x in v)
    }
    return fhir_response(
        bundle(
            request,
            path="Appointment/$find",
            params=link_params,
            resources=[r for _, _, r in page_slice(found, count, page)],
            total=len(found),
            count=count,
            page=page,
        )
    )


class _QueryLike:
    """Enough of a QueryDict for `paging` over operation parameters."""

    def __init__(self, params: dict[str, list]):
        self.params = params

    def get(self, name, default=None):
        values = self.params.get(name)
        return str(values[0]) if values else default


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


def _operation_result(request: HttpRequest, user: User, appointment: Appointment) -> dict:
    return bundle(
        request,
        path="Appointment",
        params={"_id": [str(appointment.pk)]},
        resources=[_appointment_out(user, appointment.pk)],
        total=1,
        count=1,
        page=1,
    )


def _target(appointment: FhirAppointment | None, ref_id: str | None, patient_id: int | None):
    if ref_id and ref_id.startswith(res.PROPOSED_PREFIX):
        key = res.SlotKey.parse(ref_id.removeprefix(res.PROPOSED_PREFIX))
        if key is None:
            raise FhirError(404, "not-found", f"Appointment/{ref_id} is not known here.")
        extra = {"patient_id": patient_id}
        if appointment is not None:
            found = _target_from_resource(appointment, patient_id=patient_id)
            extra.update(mode=found.mode, reason=found.reason, patient_id=found.patient_id)
        return _target_from_key(key, **extra)
    if appointment is None:
        raise FhirError(404, "not-found", f"Appointment/{ref_id} is not known here.")
    return _target_from_resource(appointment, patient_id=patient_id)


@fhir_endpoint("POST", auth=True)
def appointment_hold_op(request: HttpRequest) -> HttpResponse:
    """$hold: keep a proposed appointment's slot for a few minutes (status pending)."""
    user = request.fhir_user
    params = _operation_params(request)

    def work() -> tuple[int, dict]:
        appointment, ref_id, patient_id = _chosen(params)
        if ref_id and ref_id.isdigit():
            raise FhirError(409, "business-rule", "That appointment exists already; $book it.")
        held = _target(appointment, ref_id, patient_id).book(user, hold=True)
        return 200, _operation_result(request, user, held)

    return write(request, work)


@fhir_endpoint("POST", auth=True)
def appointment_book_op(request: HttpRequest) -> HttpResponse:
    """$book: book a held (pending) appointment, or a proposed one directly; 409 if taken."""
    user = request.fhir_user
    params = _operation_params(request)

    def work() -> tuple[int, dict]:
        appointment, ref_id, patient_id = _chosen(params)
        if ref_id and ref_id.isdigit():
            held = appointments_for_fhir(user).filter(pk=int(ref_id[:18])).first()
            if held is None:
                raise _not_found("Appointment", ref_id)
            booked = appointment_book_held(appointment=held, by=user)
        else:
            booked = _target(appointment, ref_id, patient_id).book(user)
        return 200, _operation_result(request, user, booked)

    return write(request, work)


@fhir_endpoint("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
def unknown(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise FhirError(404, "not-supported", "This FHIR server does not serve that; see /metadata.")
