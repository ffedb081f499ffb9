"""Patient: read and search, for the patient themself, their practitioners and staff."""

from datetime import UTC
from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

from carebook.accounts.identity import phone_to_e164
from carebook.accounts.models import User
from carebook.fhir import resources as res
from carebook.fhir.responses import fhir_response
from carebook.fhir.search import date_range, split, tokens
from carebook.fhir.selectors import patient_profile, patients_for_fhir
from carebook.fhir.views.common import Search, fhir_endpoint, one, with_ids

PATIENT_PARAMS = ("_id", "identifier", "name", "email", "phone", "birthdate")


def patient_as_resource(patient: User) -> dict:
    return res.patient_resource(patient, patient_profile(patient))


def _phones(values: list[str]) -> list[str]:
    phones = []
    for value in split(values, name="phone"):
        try:
            phones.append(phone_to_e164(value, strict=False))
        except ValidationError:
            phones.append("")  # matches nobody
    return phones


def _patients(qs: QuerySet[User], params) -> QuerySet[User]:
    qs = with_ids(qs, params)
    ids = tokens(params.getlist("identifier"), name="identifier", system=res.PATIENT_SYSTEM)
    if ids:
        qs = qs.filter(pk__in=[int(i) for i in ids if i.isdigit() and len(i) < 19])
    for name in params.getlist("name"):
        qs = qs.filter(full_name__icontains=name.strip())
    emails = split(params.getlist("email"), name="email")
    if emails:
        qs = qs.filter(reduce(or_, (Q(email__iexact=e) for e in emails)))
    phones = _phones(params.getlist("phone"))
    if phones:
        qs = qs.filter(phone__in=phones)
    lo, hi = date_range(params.getlist("birthdate"), UTC, name="birthdate")
    if lo is not None:
        qs = qs.filter(patient_profile__date_of_birth__gte=lo.date())
    if hi is not None:
        qs = qs.filter(patient_profile__date_of_birth__lt=hi.date())
    return qs


@fhir_endpoint("GET", auth=True)
def patient_search(request: HttpRequest) -> HttpResponse:
    search = Search(request, PATIENT_PARAMS)
    return search.rows(
        "Patient",
        search.kept(*PATIENT_PARAMS),
        _patients(patients_for_fhir(request.fhir_user, path=request.path), search.params),
        lambda page: [patient_as_resource(p) for p in page],
    )


@fhir_endpoint("GET", auth=True)
def patient_read(request: HttpRequest, pk: str) -> HttpResponse:
    patients = patients_for_fhir(request.fhir_user, path=request.path)
    return fhir_response(patient_as_resource(one(patients, "Patient", pk)))
