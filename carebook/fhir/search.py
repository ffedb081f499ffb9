"""FHIR search parameters in, searchset Bundles with paging links out."""

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.http import HttpRequest, QueryDict

from carebook.core.limits import TooManyValues, capped
from carebook.core.timeutils import to_utc
from carebook.fhir.responses import FhirError

# Stands for a code of another code system: no carebook code contains a bar, so it matches nothing.
FOREIGN = "|"
DEFAULT_COUNT = 20
MAX_COUNT = 100

_DATE_VALUE = re.compile(
    r"^(?P<prefix>eq|ne|gt|lt|ge|le|sa|eb|ap)?"
    r"(?P<value>\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?)$"
)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/R4/")


def split(values: list[str], *, name: str) -> list[str]:
    """The distinct items of `name` parameters, each of which may be a comma-separated list.

    400 when there are more than a request may ask for: each costs a lookup or a computation.
    """
    try:
        return capped(name, (item.strip() for raw in values for item in raw.split(",")))
    except TooManyValues as exc:
        raise FhirError(400, "too-costly", str(exc), [name]) from exc


def _span(value: str, tz) -> tuple[datetime, datetime]:
    """The instants a FHIR date or dateTime covers, at its own precision, as [lo, hi)."""
    if "T" in value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise FhirError(400, "invalid", f"'{value}' is not a valid dateTime.") from exc
        if moment.tzinfo is None:
            moment = to_utc(moment, tz)
        precision = timedelta(seconds=1) if value.count(":") >= 2 else timedelta(minutes=1)
        return moment, moment + precision
    parts = [int(p) for p in value.split("-")]
    try:
        if len(parts) == 1:
            lo, hi = date(parts[0], 1, 1), date(parts[0] + 1, 1, 1)
        elif len(parts) == 2:
            lo = date(parts[0], parts[1], 1)
            hi = date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
        else:
            lo = date(*parts)
            hi = lo + timedelta(days=1)
    except ValueError as exc:
        raise FhirError(400, "invalid", f"'{value}' is not a valid date.") from exc
    return to_utc(datetime.combine(lo, time.min), tz), to_utc(datetime.combine(hi, time.min), tz)


def date_range(values: list[str], tz, *, name: str) -> tuple[datetime | None, datetime | None]:
    """The [from, until) that every `name` parameter allows together (each may be a list).

    Dates without a zone are read in `tz`. Supported prefixes: eq (default), ge, gt, le, lt.
    """
    lower = upper = None
    for item in split(values, name=name):
        match = _DATE_VALUE.match(item)
        if not match or not (1900 <= int(match["value"][:4]) <= 2200):
            raise FhirError(400, "invalid", f"Cannot read {name}={item!r}.", [name])
        prefix = match["prefix"] or "eq"
        lo, hi = _span(match["value"], tz)
        if prefix == "eq":
            bounds = (lo, hi)
        elif prefix == "ge":
            bounds = (lo, None)
        elif prefix == "gt":
            bounds = (hi, None)
        elif prefix == "lt":
            bounds = (None, lo)
        elif prefix == "le":
            bounds = (None, hi)
        else:
            raise FhirError(400, "not-supported", f"The prefix '{prefix}' is not supported.")
        if bounds[0] is not None:
            lower = bounds[0] if lower is None else max(lower, bounds[0])
        if bounds[1] is not None:
            upper = bounds[1] if upper is None else min(upper, bounds[1])
    return lower, upper


def reference_ids(values: list[str], kind: str, *, name: str) -> list[int]:
    """Ids from reference parameters: "Kind/1", "1", or a full URL ending in Kind/1."""
    ids = []
    for item in split(values, name=name):
        item = item.rstrip("/")
        tail = item.rsplit("/", 2)[-2:] if "/" in item else [kind, item]
        if tail[0] != kind or not tail[1].isdigit() or len(tail[1]) > 18:
            raise FhirError(400, "invalid", f"{name} must name a {kind}, e.g. {kind}/1.", [name])
        ids.append(int(tail[1]))
    return list(dict.fromkeys(ids))


def tokens(values: list[str], *, name: str, system: str | None = None) -> list[str]:
    """Codes from token parameters ("code" or "system|code"; another system matches nothing)."""
    out = []
    for item in split(values, name=name):
        sys, bar, code = item.rpartition("|")
        out.append(FOREIGN if bar and system and sys and sys != system else code)
    return list(dict.fromkeys(out))


def paging(params: QueryDict) -> tuple[int, int]:
    """(_count, _page) with defaults and bounds."""
    try:
        count = int(params.get("_count", DEFAULT_COUNT))
        page = int(params.get("_page", 1))
    except ValueError as exc:
        raise FhirError(400, "invalid", "_count and _page must be whole numbers.") from exc
    if not 0 <= count <= MAX_COUNT or not 1 <= page <= 100_000:
        raise FhirError(400, "invalid", f"_count must be 0 to {MAX_COUNT}; _page at least 1.")
    return count, page


def bundle(
    request: HttpRequest,
    *,
    path: str,
    params: dict[str, list[str]],
    resources: list[dict],
    total: int,
    count: int,
    page: int,
    issues: list[dict] | None = None,
) -> dict:
    """A searchset Bundle holding one page of `resources` (already sliced), with its links, and
    an OperationOutcome entry (search mode `outcome`) saying what was ignored or limited."""
    base = base_url(request)

    def url(page_number: int) -> str:
        query = [(k, v) for k, values in params.items() for v in values]
        query += [("_count", count), ("_page", page_number)]
        return f"{base}{path}?{urlencode(query)}"

    last = max(1, -(-total // count)) if count else 1
    links = [{"relation": "self", "url": url(page)}, {"relation": "first", "url": url(1)}]
    if page > 1:
        links.append({"relation": "previous", "url": url(min(page - 1, last))})
    if page < last:
        links.append({"relation": "next", "url": url(page + 1)})
    links.append({"relation": "last", "url": url(last)})
    result = {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links}
    found = [
        {
            "fullUrl": f"{base}{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in resources
    ]
    if issues:
        found.append(outcome_entry(issues))
    if found:  # FHIR JSON never has an empty array
        result["entry"] = found
    return result


def outcome_entry(issues: list[dict]) -> dict:
    return {
        "resource": {"resourceType": "OperationOutcome", "issue": issues},
        "search": {"mode": "outcome"},
    }


def strict(request: HttpRequest) -> bool:
    """Whether the caller asked (Prefer: handling=strict) for unknown parameters to fail."""
    prefer = request.headers.get("Prefer", "")
    return any(p.strip().lower() == "handling=strict" for p in prefer.split(","))


def page_slice(items: list, count: int, page: int) -> list:
    return items[(page - 1) * count : page * count]
