"""What one request may cost: the size of its body, its query parameters, the span it searches.

A request over a limit is refused before any work is done on it, in the answer its door speaks:
JSON under /api/, an OperationOutcome under /fhir/, an HTML page elsewhere. Every limit is a
setting, read when it is used.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MB = 1024 * 1024

DEFAULTS = {
    # Distinct query parameters in one request, and distinct values of one parameter.
    "CAREBOOK_MAX_PARAMS": 50,
    "CAREBOOK_MAX_PARAM_VALUES": 10,
    # Days of slots one search may ask for (REST slots, FHIR Slot and $find).
    "CAREBOOK_MAX_SLOT_DAYS": 31,
    # Schedules (practitioner at a location) one FHIR Slot search or $find computes slots for.
    "CAREBOOK_MAX_SCHEDULES": 10,
    # One uploaded file, and what a multipart body may carry besides it.
    "CAREBOOK_UPLOAD_MAX_BYTES": 5 * MB,
    "CAREBOOK_UPLOAD_OVERHEAD_BYTES": 64 * 1024,
}

# The doors that answer in JSON, by path prefix; every other path gets an HTML page.
API_PREFIX = "/api/"
FHIR_PREFIX = "/fhir/"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
TOO_BIG_FLAG = "_carebook_upload_too_large"


def limit(name: str) -> int:
    """The setting `name`, or its default."""
    return int(getattr(settings, name, DEFAULTS[name]))


def max_params() -> int:
    return limit("CAREBOOK_MAX_PARAMS")


def max_param_values() -> int:
    return limit("CAREBOOK_MAX_PARAM_VALUES")


def max_slot_days() -> int:
    return limit("CAREBOOK_MAX_SLOT_DAYS")


def max_schedules() -> int:
    return limit("CAREBOOK_MAX_SCHEDULES")


def upload_max_bytes() -> int:
    return limit("CAREBOOK_UPLOAD_MAX_BYTES")


def body_max_bytes(request: HttpRequest) -> int:
    """The largest body `request` may send: an upload's for multipart forms, else Django's."""
    if request.content_type == "multipart/form-data":
        return upload_max_bytes() + limit("CAREBOOK_UPLOAD_OVERHEAD_BYTES")
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def distinct(values: Iterable) -> list:
    """`values` without repeats, in the order first given."""
    return list(dict.fromkeys(values))


class TooManyValues(ValueError):
    """More distinct values of one parameter than a request may give."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(
            _("Give at most %(n)d different values of %(name)s.")
            % {"n": max_param_values(), "name": name}
        )


def capped(name: str, values: Iterable) -> list:
    """The distinct `values` of parameter `name`; TooManyValues when there are too many."""
    out = distinct(values)
    if len(out) > max_param_values():
        raise TooManyValues(name)
    return out


# Answers -----------------------------------------------------------------------------------------

TITLES = {400: gettext_lazy("Bad request"), 413: gettext_lazy("Request too large")}


def refusal(
    request: HttpRequest, status: int, detail: str, *, code: str, param: str = ""
) -> HttpResponse:
    """`status` with `detail`, in the form of the door `request` came through.

    `code` is the FHIR issue code; the REST API's codes are its own.
    """
    if request.path.startswith(API_PREFIX):
        if code != "too-costly":
            api_code = "request_too_large" if status == 413 else "malformed_request"
            return JsonResponse({"detail": detail, "code": api_code}, status=status)
        # The API answers any query it cannot take as 422, with where it went wrong.
        where = {"loc": ["query", param], "msg": detail, "type": "too_many_values"}
        body = {"detail": detail, "code": "too_many_parameters", "errors": [where] if param else []}
        return JsonResponse(body, status=422)
    if request.path.startswith(FHIR_PREFIX):
        issue = {"severity": "error", "code": code, "diagnostics": detail}
        if param:
            issue["expression"] = [param]
        body = {"resourceType": "OperationOutcome", "issue": [issue]}
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
        response["Content-Type"] = "application/fhir+json; charset=utf-8"
        return response
    html = render_to_string(
        "core/refused.html",
        {"title": TITLES.get(status, gettext_lazy("Refused")), "detail": detail},
    )
    return HttpResponse(html, status=status)


def too_large(request: HttpRequest) -> HttpResponse:
    detail = _("The request is too large: send at most %(kb)d KB.") % {
        "kb": body_max_bytes(request) // 1024
    }
    return refusal(request, 413, detail, code="too-long")


# The middleware ----------------------------------------------------------------------------------


def _declared_length(request: HttpRequest) -> int | None:
    """The Content-Length, 0 when absent, None when it is not a length."""
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        return None
    return length if length >= 0 else None


def _query_refusal(request: HttpRequest) -> tuple[str, str]:
    """(why, which parameter) when the query string asks for too much, else ('', '').

    Repeats of one value are dropped here, so no view ever sees the same value twice.
    """
    params = request.GET
    if len(params) > max_params():
        return _("Give at most %(n)d different parameters.") % {"n": max_params()}, ""
    repeated = False
    for name, values in params.lists():
        try:
            repeated |= len(capped(name, values)) != len(values)
        except TooManyValues as exc:
            return str(exc), name
    if repeated:
        deduplicated = QueryDict(mutable=True, encoding=params.encoding)
        for name, values in params.lists():
            deduplicated.setlist(name, distinct(values))
        deduplicated._mutable = False
        request.GET = deduplicated
    return "", ""


class RequestLimitsMiddleware:
    """Refuse a request whose body or query string is over a limit, before it is read.

    The body's size is judged by its Content-Length; a body that lies about it, or has none,
    is still read only up to that length by Django (and an upload by `UploadLimitHandler`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _declared_length(request)
        if length is None:
            return refusal(request, 400, _("The Content-Length is not a length."), code="invalid")
        if length > body_max_bytes(request):
            return too_large(request)
        try:
            why, param = _query_refusal(request)
        except SuspiciousOperation:  # more fields than Django parses at all
            why, param = _("Give at most %(n)d different parameters.") % {"n": max_params()}, ""
        if why:
            return refusal(request, 400, why, code="too-costly", param=param)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs):
        """Read a posted form here, where a part too large for memory still gets its 413.

        Later (in CSRF's check or the view) Django would answer it as a plain 400. The API
        and FHIR doors read their own bodies and answer this themselves.
        """
        if (
            request.method != "POST"
            or request.content_type not in FORM_TYPES
            or request.path.startswith((API_PREFIX, FHIR_PREFIX))
        ):
            return None
        try:
            request.POST  # noqa: B018 - parsed once, kept on the request
        except RequestDataTooBig:
            return too_large(request)
        except SuspiciousOperation:  # too many fields or files
            return refusal(
                request, 400, _("The form has too many fields or files."), code="too-costly"
            )
        return None


# Uploads -----------------------------------------------------------------------------------------


class UploadLimitHandler(FileUploadHandler):
    """Stop reading a multipart body as soon as one file passes the upload limit.

    First in FILE_UPLOAD_HANDLERS: the file is dropped, the rest of the body is left unread,
    and `upload_too_large(request)` says so to the view.
    """

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > upload_max_bytes():
            if self.request is not None:
                setattr(self.request, TOO_BIG_FLAG, True)
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int):
        return None


def upload_too_large(request: HttpRequest) -> bool:
    """Whether a file of this request was dropped for passing the upload limit."""
    return getattr(request, TOO_BIG_FLAG, False)
