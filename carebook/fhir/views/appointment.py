"""Appointment: search, read, create (book), and update (cancel, answer, finish, move)."""

from django.http import HttpRequest, HttpResponse
from fhir.resources.R4B.appointment import Appointment as FhirAppointment

from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.core.versions import etag, version_from_if_match
from carebook.fhir import resources as res
from carebook.fhir.responses import FhirError, fhir_response
from carebook.fhir.search import date_range, reference_ids, split, tokens
from carebook.fhir.selectors import appointments_for_fhir, cancel_reason
from carebook.fhir.views.common import (
    Search,
    default_tz,
    fhir_endpoint,
    json_body,
    one,
    parse,
    with_ids,
    write,
)
from carebook.fhir.views.target import target_from_resource
from carebook.fhir.views.update import appointment_change

APPOINTMENT_PARAMS = (
    "_id",
    "patient",
    "practitioner",
    "location",
    "date",
    "status",
    "_lastUpdated",
    "_sort",
)
# _sort keys and the ordering each asks for (a leading "-" reverses it).
SORTS = {"date": ("start", "pk"), "_lastUpdated": ("updated_at", "pk")}


def appointment_as_resource(appointment: Appointment) -> dict:
    return res.appointment_resource(appointment, cancel_reason=cancel_reason(appointment))


def appointment_out(user: User, pk: int) -> dict:
    """The appointment as `user` may now see it (read again after a change)."""
    return appointment_as_resource(appointments_for_fhir(user).get(pk=pk))


def _ordering(search: Search) -> list[str]:
    keys = split(search.params.getlist("_sort"), name="_sort")
    order: list[str] = []
    for key in keys:
        fields = SORTS.get(key.removeprefix("-"))
        if fields is None:
            search.fail_or_note(f"_sort by {key} is not supported; by date or _lastUpdated.")
            continue
        order += [f"-{f}" if key.startswith("-") else f for f in fields]
    return order or ["start", "pk"]


@fhir_endpoint("GET", "POST", auth=True)
def appointment_type(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _create(request)
    search = Search(request, APPOINTMENT_PARAMS)
    params = search.params
    qs = with_ids(appointments_for_fhir(request.fhir_user, path=request.path), params)
    for name, kind, field in (
        ("patient", "Patient", "patient_id__in"),
        ("practitioner", "Practitioner", "practitioner_id__in"),
        ("location", "Location", "location_id__in"),
    ):
        values = reference_ids(params.getlist(name), kind, name=name)
        if values:
            qs = qs.filter(**{field: values})
    for name, field in (("date", "start"), ("_lastUpdated", "updated_at")):
        lo, hi = date_range(params.getlist(name), default_tz(), name=name)
        if lo is not None:
            qs = qs.filter(**{f"{field}__gte": lo})
        if hi is not None:
            qs = qs.filter(**{f"{field}__lt": hi})
    statuses = tokens(params.getlist("status"), name="status")
    if statuses:
        qs = qs.filter(
            status__in=[ours for s in statuses for ours in res.STATUS_FROM_FHIR.get(s, [])]
        )
    return search.rows(
        "Appointment",
        search.kept(*APPOINTMENT_PARAMS),
        qs.order_by(*_ordering(search)),
        lambda page: [appointment_as_resource(a) for a in page],
    )


def _create(request: HttpRequest) -> HttpResponse:
    data = json_body(request)
    user = request.fhir_user

    def work() -> tuple[int, dict]:
        appointment = target_from_resource(parse(FhirAppointment, data)).book(user)
        return 201, appointment_out(user, appointment.pk)

    return write(request, work)


@fhir_endpoint("GET", "PUT", auth=True)
def appointment_instance(request: HttpRequest, pk: str) -> HttpResponse:
    user = request.fhir_user
    appointment = one(appointments_for_fhir(user, path=request.path), "Appointment", pk)
    if request.method == "GET":
        return fhir_response(
            appointment_as_resource(appointment), headers={"ETag": etag(appointment.version)}
        )
    data = json_body(request)
    expected = version_from_if_match(request.headers.get("If-Match"))

    def work() -> tuple[int, dict]:
        wanted = parse(FhirAppointment, data)
        if wanted.id != pk:
            raise FhirError(400, "invalid", "The body's id must match the URL.", ["Appointment.id"])
        current = appointment_out(user, appointment.pk)
        result = appointment_change(
            appointment=appointment,
            current=current,
            wanted=data,
            by=user,
            expected_version=expected,
        )
        return (200 if result.pk == appointment.pk else 201), appointment_out(user, result.pk)

    return write(request, work)
