"""Appointment: search, read, create (book), and update (only to cancel)."""

from django.http import HttpRequest, HttpResponse
from fhir.resources.R4B.appointment import Appointment as FhirAppointment

from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_cancel
from carebook.fhir import resources as res
from carebook.fhir.responses import FhirError, fhir_response
from carebook.fhir.search import date_range, reference_ids, tokens
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


def appointment_as_resource(appointment: Appointment) -> dict:
    return res.appointment_resource(appointment, cancel_reason=cancel_reason(appointment))


def appointment_out(user: User, pk: int) -> dict:
    """The appointment as `user` may now see it (read again after a change)."""
    return appointment_as_resource(appointments_for_fhir(user).get(pk=pk))


@fhir_endpoint("GET", "POST", auth=True)
def appointment_type(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _create(request)
    search = Search(request)
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
    lo, hi = date_range(params.getlist("date"), default_tz(), name="date")
    if lo is not None:
        qs = qs.filter(start__gte=lo)
    if hi is not None:
        qs = qs.filter(start__lt=hi)
    statuses = tokens(params.getlist("status"), name="status")
    if statuses:
        qs = qs.filter(
            status__in=[ours for s in statuses for ours in res.STATUS_FROM_FHIR.get(s, [])]
        )
    return search.rows(
        "Appointment",
        search.kept("_id", "patient", "practitioner", "location", "date", "status"),
        qs.order_by("start", "pk"),
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
        return fhir_response(appointment_as_resource(appointment))
    data = json_body(request)

    def work() -> tuple[int, dict]:
        wanted = parse(FhirAppointment, data)
        if wanted.id != pk:
            raise FhirError(400, "invalid", "The body's id must match the URL.", ["Appointment.id"])
        current = res.APPOINTMENT_STATUS[appointment.status]
        if wanted.status == current:
            return 200, appointment_out(user, appointment.pk)
        if wanted.status != "cancelled":
            raise FhirError(
                422,
                "business-rule",
                "An update can only cancel an appointment (status: cancelled).",
                ["Appointment.status"],
            )
        reason = wanted.cancelationReason.text if wanted.cancelationReason else ""
        appointment_cancel(appointment=appointment, by=user, reason=reason or "")
        return 200, appointment_out(user, appointment.pk)

    return write(request, work)
