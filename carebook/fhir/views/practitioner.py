"""Practitioner and PractitionerRole: read and search over bookable practitioners."""

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from carebook.clinic.models import Practitioner
from carebook.clinic.selectors import practitioner_locations
from carebook.fhir import resources as res
from carebook.fhir.responses import fhir_response
from carebook.fhir.search import reference_ids, tokens
from carebook.fhir.selectors import practitioners_listed
from carebook.fhir.views.common import Search, fhir_endpoint, one, with_ids

PRACTITIONER_PARAMS = ("_id", "name", "specialty")
ROLE_PARAMS = ("_id", "practitioner", "specialty", "location")


def _practitioners(params, *, by_name: bool = True) -> QuerySet[Practitioner]:
    qs = with_ids(practitioners_listed(), params)
    for name in params.getlist("name") if by_name else []:
        qs = qs.filter(user__full_name__icontains=name.strip())
    specialties = tokens(params.getlist("specialty"), name="specialty", system=res.SPECIALTY_SYSTEM)
    if specialties:
        qs = qs.filter(specialties__slug__in=specialties)
    return qs.distinct()


def _roles(practitioners: list[Practitioner]) -> list[dict]:
    locations = practitioner_locations([p.pk for p in practitioners])
    return [res.practitioner_role_resource(p, locations.get(p.pk, [])) for p in practitioners]


@fhir_endpoint("GET")
def practitioner_search(request: HttpRequest) -> HttpResponse:
    search = Search(request, PRACTITIONER_PARAMS)
    return search.rows(
        "Practitioner",
        search.kept(*PRACTITIONER_PARAMS),
        _practitioners(search.params),
        lambda page: [res.practitioner_resource(p) for p in page],
    )


@fhir_endpoint("GET")
def practitioner_read(request: HttpRequest, pk: str) -> HttpResponse:
    return fhir_response(res.practitioner_resource(one(practitioners_listed(), "Practitioner", pk)))


@fhir_endpoint("GET")
def practitioner_role_search(request: HttpRequest) -> HttpResponse:
    search = Search(request, ROLE_PARAMS)
    params = search.params
    qs = _practitioners(params, by_name=False)
    practitioner_ids = reference_ids(
        params.getlist("practitioner"), "Practitioner", name="practitioner"
    )
    if practitioner_ids:
        qs = qs.filter(pk__in=practitioner_ids)
    location_ids = reference_ids(params.getlist("location"), "Location", name="location")
    if location_ids:
        qs = qs.filter(windows__location_id__in=location_ids).distinct()
    return search.rows("PractitionerRole", search.kept(*ROLE_PARAMS), qs, _roles)


@fhir_endpoint("GET")
def practitioner_role_read(request: HttpRequest, pk: str) -> HttpResponse:
    return fhir_response(_roles([one(practitioners_listed(), "PractitionerRole", pk)])[0])
