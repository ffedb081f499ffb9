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
from carebook.fhir.responses import FhirError, error_answer, fhir_response, outcome, render_fhir
from carebook.fhir.search import base_url, bundle, page_slice, paging, split

logger = logging.getLogger(__name__)

DEFAULT_SPAN = timedelta(days=7)


# Calls in, answers out ---------------------------------------------------------------------------


def error_response(exc: Exception) -> HttpResponse:
    answer = error_answer(exc)
    if answer is None:
        logger.exception("Unhandled FHIR error", exc_info=exc)
        answer = 500, outcome("exception", "Something went wrong on our side."), {}
    status, body, headers = answer
    return fhir_response(body, status, headers)


def fhir_endpoint(*methods: str, auth: bool = False):
    """Answer only `methods`, find the caller (401 if `auth` and there is none), never raise."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt  # bearer requests carry no cookie; session writes are checked in request_user
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                if request.method not in methods:
                    response = error_response(
                        FhirError(405, "not-supported", f"{request.method} is not supported here.")
                    )
                    response["Allow"] = ", ".join(methods)
                    return response
                if any("\x00" in v for _, values in request.GET.lists() for v in values):
                    raise FhirError(400, "invalid", "Parameters must not contain NUL characters.")
                user = request_user(request)
                if auth and user is None:
                    raise FhirError(401, "login", "Send a valid bearer token (or log in).")
                request.fhir_user = user
                return view(request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - every failure becomes an OperationOutcome
                return error_response(exc)

        return wrapper

    return decorate


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


def write(request: HttpRequest, work: Callable[[], tuple[int, dict]]) -> HttpResponse:
    """Run a change, honouring Idempotency-Key; failures are answered (and replayed) too."""

    def guarded() -> tuple[int, dict]:
        try:
            return work()
        except Exception as exc:
            answer = error_answer(exc)
            if answer is None:
                raise
            return answer[0], answer[1]

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
    lo: datetime | None, hi: datetime | None, now: datetime, *, name: str
) -> tuple[datetime, datetime]:
    """[lo, hi) with the defaults filled in (from now, a week); 400 when too long to compute."""
    lo = lo or now
    hi = hi or lo + DEFAULT_SPAN
    days = max_slot_days()
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


class Search:
    """One searchset: its parameters and the page asked for (read first, so bad paging wins)."""

    def __init__(self, request: HttpRequest, params=None):
        self.request = request
        self.params = request.GET if params is None else params
        self.count, self.page = paging(self.params)

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
            )
        )
