"""Every API failure as JSON `{"detail": ..., "code": ...}`: domain errors, bad input, auth."""

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import ValidationError as PydanticValidationError

from carebook.accounts.throttle import RateLimited
from carebook.booking.services import AppointmentChanged
from carebook.core import outage
from carebook.core.errors import (
    DomainError,
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
    SlotUnavailable,
)
from carebook.core.idempotency import answer_errors_with
from carebook.core.outage import database_unavailable, outage_noted
from carebook.core.schemas import ApiError

logger = logging.getLogger(__name__)

# A taken slot and a move the status machine refuses both conflict with the resource's current
# state, which is what 409 means; 422 stays for input that could never have worked.
DOMAIN_STATUS: dict[type[DomainError], int] = {
    AppointmentChanged: 412,
    SlotUnavailable: 409,
    IllegalTransition: 409,
    PermissionDenied: 403,
    InvalidInput: 422,
}

HTTP_CODES = {
    400: "malformed_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "request_too_large",
    422: "invalid_input",
    429: "throttled",
}


def domain_status(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in DOMAIN_STATUS:
            return DOMAIN_STATUS[cls]
    return 422


def error_body(detail: str, code: str, **extra) -> dict:
    return {"detail": str(detail), "code": code, **extra}


def field_errors(errors: list[dict]) -> list[dict]:
    """Pydantic's errors reduced to what is safe and useful to send: where, what, which kind."""
    out = []
    for err in errors:
        loc = [part if isinstance(part, int) else str(part) for part in err.get("loc", ())]
        out.append({"loc": loc, "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))})
    return out


def exception_to_response(exc: Exception) -> tuple[int, dict, dict[str, str]] | None:
    """(status, body, headers) for an exception we answer ourselves, or None."""
    if database_unavailable(exc):
        outage_noted(exc)
        return 503, error_body(outage.MESSAGE, "unavailable"), outage.retry_after()
    if isinstance(exc, RateLimited):
        return 429, error_body(exc.message, exc.code), {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, DomainError):
        return domain_status(exc), error_body(exc.message, exc.code), {}
    if isinstance(exc, ValidationError):
        body = error_body(
            "Some of the details are not valid.",
            "validation_error",
            errors=field_errors(exc.errors),
        )
        return 422, body, {}
    if isinstance(exc, Throttled):
        headers = {"Retry-After": str(int(exc.wait))} if exc.wait else {}
        return (
            429,
            error_body("Too many attempts. Please wait and try again.", "throttled"),
            headers,
        )
    if isinstance(exc, AuthenticationError):
        body = error_body("Authentication required: send a valid bearer token.", HTTP_CODES[401])
        return 401, body, {"WWW-Authenticate": 'Bearer realm="carebook"'}
    if isinstance(exc, ApiError):
        return exc.status_code, error_body(exc.message, exc.code), {}
    if isinstance(exc, HttpError):
        code = HTTP_CODES.get(exc.status_code, "error")
        if exc.status_code == 400:
            return 400, error_body("The request body is not valid JSON.", code), {}
        return exc.status_code, error_body(exc.message, code), {}
    if isinstance(exc, Http404):
        return 404, error_body("Not found.", "not_found"), {}
    if isinstance(exc, RequestDataTooBig):
        return 413, error_body("The request is too large.", "request_too_large"), {}
    if isinstance(exc, SuspiciousOperation):
        return 400, error_body("The request was refused.", "malformed_request"), {}
    if isinstance(exc, PydanticValidationError):
        # Our answer did not fit its own schema: our bug, never the caller's.
        return None
    if isinstance(exc, (ValueError, OverflowError, DataError)):
        # Input our schemas let through but the domain could not read (a naive datetime, a date
        # out of range): the caller's to fix, so 422, but logged in case it is our bug.
        logger.warning("API input rejected by a ValueError", exc_info=exc)
        return 422, error_body("Some of the details are not valid.", "invalid_input"), {}
    return None


def install_handlers(api: NinjaAPI) -> None:
    def handle(request: HttpRequest, exc: Exception) -> HttpResponse:
        answer = exception_to_response(exc)
        if answer is None:
            logger.exception("Unhandled API error", exc_info=exc)
            answer = 500, error_body("Something went wrong on our side.", "server_error"), {}
        status, body, headers = answer
        response = api.create_response(request, body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response

    # ninja registers its own handlers for these; ours replace every one of them.
    for exc_class in (Exception, Http404, HttpError, ValidationError, DomainError):
        api.add_exception_handler(exc_class, handle)
    # An idempotent view's failure is stored and replayed as the same answer.
    answer_errors_with(exception_to_response)
