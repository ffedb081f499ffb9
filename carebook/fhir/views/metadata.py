"""The CapabilityStatement, and the answer to everything else we do not serve."""

from django.http import HttpRequest, HttpResponse

from carebook.fhir.capability import capability_statement
from carebook.fhir.responses import FhirError, fhir_response
from carebook.fhir.search import base_url
from carebook.fhir.views.common import fhir_endpoint


@fhir_endpoint("GET")
def metadata(request: HttpRequest) -> HttpResponse:
    return fhir_response(capability_statement(base_url(request)))


@fhir_endpoint("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
def unknown(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    raise FhirError(404, "not-supported", "This FHIR server does not serve that; see /metadata.")
