"""The database out of reach: every door answers 503 with Retry-After, and it is logged once.

A connection refused, dropped or reset (`OperationalError`, `InterfaceError`; also SQLite's
"database is locked" past its timeout) is an outage, not our bug: the client should wait and
retry, so it gets 503 and Retry-After, never a 500. REST and FHIR map it in their error
handlers; everything else (pages, and failures in middleware before any door) reaches
`server_error`, the project's handler500, which answers in the format of the path's door.
It is logged once a minute per process, not once per request.
"""

import json
import logging
import sys
import time

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

from carebook.core.tasks import setting

logger = logging.getLogger(__name__)

MESSAGE = "The service is briefly unavailable. Please try again in a few seconds."
LOG_EVERY_SECONDS = 60.0
_last_logged = float("-inf")


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` (or what caused it) is the database being out of reach."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def outage_noted(exc: BaseException) -> None:
    """Log the outage, at most once a minute in this process."""
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY_SECONDS:
        _last_logged = now
        logger.error("Database unavailable; answering 503 (logged once a minute): %s", exc)


class NotAnOutage(logging.Filter):
    """Drops Django's per-request records of an outage (its 503s, its uncaught errors)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 503:
            return False
        return not (record.exc_info and database_unavailable(record.exc_info[1]))


def retry_after() -> dict[str, str]:
    """The headers of a 503: when to try again."""
    return {
        "Retry-After": str(int(setting("CAREBOOK_RETRY_AFTER_SECONDS", 5))),
        "Cache-Control": "no-store",
    }


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 in the format of the door the path belongs to."""
    if request.path.startswith("/api/"):
        body, kind = json.dumps({"detail": MESSAGE, "code": "unavailable"}), "application/json"
    elif request.path.startswith("/fhir/"):
        issue = {"severity": "error", "code": "transient", "diagnostics": MESSAGE}
        body = json.dumps({"resourceType": "OperationOutcome", "issue": [issue]})
        kind = "application/fhir+json"
    else:
        # No request context: its processors would read the database.
        body, kind = render_to_string("503.html", {"message": MESSAGE}), "text/html"
    response = HttpResponse(body, status=503, content_type=f"{kind}; charset=utf-8")
    for name, value in retry_after().items():
        response[name] = value
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """The project's handler500: a database outage is a 503; anything else, Django's 500."""
    exc = sys.exc_info()[1]
    if database_unavailable(exc):
        outage_noted(exc)
        return unavailable_response(request)
    return defaults.server_error(request, template_name)
