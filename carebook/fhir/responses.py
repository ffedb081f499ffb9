"""FHIR answers: resources as application/fhir+json, every failure as an OperationOutcome."""

import json
import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DataError
from django.http import HttpResponse
from ninja.errors import HttpError

from carebook.booking.services import AppointmentChanged
from carebook.core import outage
from carebook.core.errors import (
    DomainError,
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
    SlotUnavailable,
)
from carebook.core.outage import database_unavailable, outage_noted

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


class FhirError(Exception):
    """A request we refuse, with its HTTP status and OperationOutcome issue code."""

    def __init__(
        self, status: int, code: str, diagnostics: str, expression: list[str] | None = None
    ):
        self.status = status
        self.code = code
        self.diagnostics = str(diagnostics)
        self.expression = expression or []
        super().__init__(self.diagnostics)


def render_fhir(body: dict) -> str:
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False)


def fhir_response(
    body: dict | str, status: int = 200, headers: dict[str, str] | None = None
) -> HttpResponse:
    """`body` as application/fhir+json; a string is sent as it is (already rendered)."""
    text = body if isinstance(body, str) else render_fhir(body)
    response = HttpResponse(text, status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def outcome(code: str, diagnostics: str, *, severity: str = "error", expression=None) -> dict:
    issue = {"severity": severity, "code": code, "diagnostics": str(diagnostics)}
    if expression:
        issue["expression"] = list(expression)
    return {"resourceType": "OperationOutcome", "issue": [issue]}


# (HTTP status, issue code) for each domain error; 409 for the ones that conflict with the
# appointment's or the calendar's current state, as in the REST API.
DOMAIN_ANSWERS: dict[type[DomainError], tuple[int, str]] = {
    AppointmentChanged: (412, "conflict"),
    SlotUnavailable: (409, "conflict"),
    IllegalTransition: (409, "business-rule"),
    PermissionDenied: (403, "forbidden"),
    InvalidInput: (422, "business-rule"),
}

HTTP_ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    413: "too-long",
    422: "invalid",
    429: "throttled",
}


def error_answer(exc: Exception) -> tuple[int, dict, dict[str, str]] | None:
    """(status, OperationOutcome, headers) for a failure we answer ourselves, or None."""
    if database_unavailable(exc):
        outage_noted(exc)
        return 503, outcome("transient", outage.MESSAGE), outage.retry_after()
    if isinstance(exc, FhirError):
        body = outcome(exc.code, exc.diagnostics, expression=exc.expression)
        headers = {"WWW-Authenticate": 'Bearer realm="carebook"'} if exc.status == 401 else {}
        return exc.status, body, headers
    if isinstance(exc, DomainError):
        for cls in type(exc).__mro__:
            if cls in DOMAIN_ANSWERS:
                status, code = DOMAIN_ANSWERS[cls]
                return status, outcome(code, exc.message), {}
        return 422, outcome("business-rule", exc.message), {}
    if isinstance(exc, HttpError):  # a reused idempotency key, a failed CSRF check
        code = HTTP_ISSUE_CODES.get(exc.status_code, "processing")
        return exc.status_code, outcome(code, exc.message), {}
    if isinstance(exc, RequestDataTooBig):  # a body that did not say its length, or lied
        return 413, outcome("too-long", "The request is too large."), {}
    if isinstance(exc, SuspiciousOperation):
        return 400, outcome("invalid", "The request was refused."), {}
    if isinstance(exc, (ValueError, OverflowError, DataError)):
        logger.warning("FHIR input rejected by a ValueError", exc_info=exc)
        return 400, outcome("invalid", "Some of the values are not valid."), {}
    return None
