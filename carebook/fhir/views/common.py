"""What every FHIR handler shares: who calls, bodies in, OperationOutcomes and searchsets out."""

import functools
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import pydantic
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from carebook.accounts.api_auth import request_user
from carebook.core.idempotency import HEADER as IDEMPOTENCY_HEADER
from carebook.core.idempotency import REPLAYED_HEADER, run_once
from carebook.core.limits import max_schedules, max_slot_days
from carebook.core.versions import etag
from carebook.fhir.responses import FhirError, error_answer, fhir_response, outcome, render_fhir
from carebook.fhir.search import (
    base_url,
    bundle,
    outcome_entry,
    page_slice,
    paging,
    split,
    strict,
)

logger = logging.getLogger(__name__)

DEFAULT_SPAN = timedelta(days=7)


# Calls in, answers out ---------------------------------------------------------------------------


def error_response(exc: Exception, shape: Callable[[dict], dict] | None = None) -> HttpResponse:
    answer = error_answer(exc)
    if answer is None:
        logger.exception("Unhandled FHIR error", exc_info=exc)
        answer = 500, outcome("exception", "Something went wrong on our side."), {}
    status, body, headers = answer
    return fhir_response(shape(body) if shape else body, status, headers)


def fatal(body: dict) -> dict:
    """An OperationOutcome as IHE ITI Scheduling answers a failed operation: severity fatal."""
    return {**body, "issue": [{**issue, "severity": "fatal"} for issue in body["issue"]]}


def fatal_in_bundle(body: dict) -> dict:
    """A failed $hold or $book as ITI-116/117 answer it: a Bundle of only the OperationOutcome."""
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": 0,
        "entry": [outcome_entry(fatal(body)["issue"])],
    }


def fhir_endpoint(*methods: str, auth: bool = False, errors: Callable[[dict], dict] | None = None):
    """Answer only `methods`, find the caller (401 if `auth` and there is none), never raise.

    `errors` reshapes the OperationOutcome of a failure (IHE operations answer theirs their way).
    """

    def decorate(view: Callable) -> Callable:
        @csrf_exempt  # bearer requests carry no cookie; session writes are checked in request_user
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                if request.method not in methods:
                    response = error_response(
                        FhirError(405, "not-supported", f"{request.method} is not supported here."),
                        errors,
                    )
                    response["Allow"] = ", ".join(methods)
                    return response
                if any("\x00" in v for _, values in request.GET.lists() for v in values):
                    raise FhirError(400, "invalid", "Parameters must not contain NUL characters.")
                negotiate(request)
                user = request_user(request)
                if auth and user is None:
                    raise FhirError(401, "login", "Send a valid bearer token (or log in).")
                request.fhir_user = user
                return view(request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every failure becomes an OperationOutcome
                return error_response(exc, errors)

        return wrapper

    return decorate


JSON_TYPES = ("application/fhir+json", "application/json", "application/json+fhir")
JSON_FORMATS = {"json", "text/json", *JSON_TYPES}


def negotiate(request: HttpRequest) -> None:
    """406 unless the caller takes FHIR JSON (`_format` first, then Accept); 415 for a body in
    anything else. XML is not served."""
    wanted = request.GET.get("_format")
    if wanted is not None:
        # An unescaped "+" in a query string arrives as a space.
        if wanted.split(";")[0].strip().lower().replace(" ", "+") not in JSON_FORMATS:
            raise FhirError(406, "not-supported", "Only FHIR JSON is served here (_format=json).")
    elif request.headers.get("Accept") and not any(request.accepts(t) for t in JSON_TYPES):
        raise FhirError(406, "not-supported", "Only application/fhir+json is served here.")
    if (
        request.method in ("POST", "PUT", "PATCH")
        and request.headers.get("Content-Length", "0") != "0"
    ):
        if request.content_type and request.content_type.lower() not in JSON_TYPES:
            raise FhirError(
                415, "not-supported", "Send the body as application/fhir+json; XML is not read."
            )


# Parsing a resource with the R4B models costs about 25 us a value: a body of more values than any
# request of ours needs is refused before it is parsed.
MAX_BODY_VALUES = 2000


def json_body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise FhirError(400, "structure", "The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise FhirError(400, "structure", "The body must be a FHIR resource (a JSON object).")
    _check_values(data)
    return data


def _check_values(value) -> None:
    """400 for text with a NUL character, or for more values than MAX_BODY_VALUES."""
    stack, seen = [value], 0
    while stack:
        item = stack.pop()
        seen += 1
        if seen > MAX_BODY_VALUES:
            raise FhirError(
                400, "too-costly", f"The body holds more than {MAX_BODY_VALUES} values."
            )
        if isinstance(item, str):
            if "\x00" in item:
                raise FhirError(400, "invalid", "Text must not contain NUL characters.")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def parse(model, data: dict):
    """Validate `data` as the R4B `model`, or answer 400 naming where it is wrong."""
    try:
        return model.model_validate(data)
    except (pydantic.ValidationError, ValueError, TypeError) as exc:
        errors = exc.errors() if isinstance(exc, pydantic.ValidationError) else []
        where = [
            ".".join([model.__name__, *(str(p) for p in e.get("loc", ()))]) for e in errors[:5]
        ]
        first = " ".join(str(errors[0].get("msg", "") if errors else exc).split())
        raise FhirError(400, "structure", f"Not a valid {model.__name__}: {first}", where) from exc


def write(
    request: HttpRequest,
    work: Callable[[], tuple[int, dict]],
    errors: Callable[[dict], dict] | None = None,
) -> HttpResponse:
    """Run a change, honouring Idempotency-Key; failures are answered (and replayed) too,
    shaped by `errors` if given."""

    def guarded() -> tuple[int, dict]:
        try:
            return work()
        except Exception as exc:
            answer = error_answer(exc)
            if answer is None:
                raise
            return answer[0], errors(answer[1]) if errors else answer[1]

    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        status, body = guarded()
        text, replayed = render_fhir(body), False
    else:
        status, text, replayed = run_once(
            request, user=request.fhir_user, key=key, work=guarded, render=render_fhir
        )
        body = json.loads(text)
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    if body.get("resourceType") == "Appointment" and "versionId" in body.get("meta", {}):
        headers["ETag"] = etag(int(body["meta"]["versionId"]))
    if status == 201 and body.get("resourceType") == "Appointment":
        headers["Location"] = f"{base_url(request)}Appointment/{body['id']}"
    return fhir_response(text, status, headers)


def default_tz():
    return timezone.get_default_timezone()


# Reads -------------------------------------------------------------------------------------------


def not_found(kind: str, pk: str) -> FhirError:
    return FhirError(404, "not-found", f"{kind}/{pk} is not known here.")


def one(qs: QuerySet, kind: str, pk: str):
    """The row of `qs` that `kind/pk` names, or 404 (an id we never issue is unknown here)."""
    if not pk.isdigit() or len(pk) > 18:
        raise not_found(kind, pk)
    found = qs.filter(pk=int(pk)).first()
    if found is None:
        raise not_found(kind, pk)
    return found


def with_ids(qs: QuerySet, params) -> QuerySet:
    """`qs` narrowed to the ids asked for with _id (ids we never issue match nothing)."""
    values = params.getlist("_id")
    if not values:
        return qs
    return qs.filter(
        pk__in=[int(v) for v in split(values, name="_id") if v.isdigit() and len(v) < 19]
    )


Build = Callable[[], dict]


def in_time_order(found: list[tuple[datetime, str, Build]]) -> list[Build]:
    """The builders of (start, id, builder) rows, by start and then id.

    A search may find thousands; only the page asked for is built (see `built`).
    """
    return [build for _, _, build in sorted(found, key=lambda item: (item[0], item[1]))]


def built(page: list[Build]) -> list[dict]:
    return [build() for build in page]


def time_span(
    lo: datetime | None,
    hi: datetime | None,
    now: datetime,
    *,
    name: str,
    search: "Search | None" = None,
    until: str = "",
) -> tuple[datetime, datetime]:
    """[lo, hi) with the defaults filled in (from now, a week); 400 when too long to compute.

    A default end is a limit the caller did not ask for: `search` is told, naming how to ask
    for more (`until`, e.g. "start=lt...").
    """
    lo = lo or now
    days = max_slot_days()
    if hi is None:
        hi = lo + DEFAULT_SPAN
        if search is not None:
            search.note(
                f"Only {DEFAULT_SPAN.days} days were searched, from {lo.isoformat()} to "
                f"{hi.isoformat()}; give {until or name} for another end (at most {days} days).",
                "informational",
                "information",
            )
    if hi - lo > timedelta(days=days):
        raise FhirError(400, "too-costly", f"Ask for at most {days} days at a time.", [name])
    return lo, hi


def few_schedules(pairs: list[tuple[int, int]], *, narrow: str) -> list[tuple[int, int]]:
    """`pairs` when there are few enough to compute slots for; 400 saying how to narrow."""
    most = max_schedules()
    if len(pairs) > most:
        raise FhirError(
            400,
            "too-costly",
            f"This asks for the slots of {len(pairs)} schedules; {narrow} "
            f"to at most {most} at a time.",
        )
    return pairs


# Understood by every search: paging, and _format (negotiated before the view runs).
CONTROL = ("_count", "_page", "_format")


class Search:
    """One searchset: its parameters and the page asked for (read first, so bad paging wins).

    `declared` names the parameters this search understands (with a modifier where one is
    supported, e.g. "practitioner:identifier"). Others are refused under
    `Prefer: handling=strict`, else ignored: left out of the links, and said so in an
    OperationOutcome entry, as are limits the server applied on its own (`note`).
    """

    def __init__(self, request: HttpRequest, declared: tuple[str, ...], params=None):
        self.request = request
        self.params = request.GET if params is None else params
        self.count, self.page = paging(self.params)
        self.issues: list[dict] = []
        unknown = sorted(n for n in self.params.keys() if n not in declared and n not in CONTROL)
        if unknown:
            self.fail_or_note(f"Not supported here: {', '.join(unknown)} (see /metadata).", unknown)

    def fail_or_note(self, text: str, expression: list[str] | None = None) -> None:
        """400 under `Prefer: handling=strict`; else go on, saying what was ignored."""
        if strict(self.request):
            raise FhirError(400, "not-supported", text, expression)
        self.note(f"Ignored. {text}", "not-supported")

    def note(self, text: str, code: str = "informational", severity: str = "warning") -> None:
        self.issues.append({"severity": severity, "code": code, "diagnostics": text})

    def kept(self, *names: str) -> dict[str, list[str]]:
        """The search parameters we understood, to repeat in the Bundle's paging links."""
        return {name: self.params.getlist(name) for name in names if self.params.getlist(name)}

    def rows(
        self, path: str, links: dict[str, list[str]], qs: QuerySet, render: Callable[[list], list]
    ) -> HttpResponse:
        """Answer one page of `qs` (`_count=0` asks for the total only) as `render` shows it."""
        first = (self.page - 1) * self.count
        items = list(qs[first : first + self.count]) if self.count else []
        return self.answer(path, links, render(items), qs.count())

    def items(
        self,
        path: str,
        links: dict[str, list[str]],
        items: list,
        render: Callable[[list], list] = list,
    ) -> HttpResponse:
        """Answer one page of `items`, already in order, as `render` shows it."""
        return self.answer(
            path, links, render(page_slice(items, self.count, self.page)), len(items)
        )

    def answer(
        self, path: str, links: dict[str, list[str]], resources: list[dict], total: int
    ) -> HttpResponse:
        return fhir_response(
            bundle(
                self.request,
                path=path,
                params=links,
                resources=resources,
                total=total,
                count=self.count,
                page=self.page,
                issues=self.issues,
            )
        )
