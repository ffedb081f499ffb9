"""Location: read and search over the clinic's locations, open or closed."""

from django.http import HttpRequest, HttpResponse

from carebook.fhir import resources as res
from carebook.fhir.responses import fhir_response
from carebook.fhir.selectors import locations_listed
from carebook.fhir.views.common import Search, fhir_endpoint, one, with_ids

LOCATION_PARAMS = ("_id", "name", "address-city")


@fhir_endpoint("GET")
def location_search(request: HttpRequest) -> HttpResponse:
    search = Search(request, LOCATION_PARAMS)
    params = search.params
    qs = with_ids(locations_listed(), params)
    for name in params.getlist("name"):
        qs = qs.filter(name__icontains=name.strip())
    for city in params.getlist("address-city"):
        qs = qs.filter(city__istartswith=city.strip())
    return search.rows(
        "Location",
        search.kept(*LOCATION_PARAMS),
        qs,
        lambda page: [res.location_resource(loc) for loc in page],
    )


@fhir_endpoint("GET")
def location_read(request: HttpRequest, pk: str) -> HttpResponse:
    return fhir_response(res.location_resource(one(locations_listed(), "Location", pk)))
