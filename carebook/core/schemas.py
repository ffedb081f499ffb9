"""What every app's REST router shares: bounded ids, dates and text; errors; pages; people."""

from datetime import UTC, date, datetime
from typing import Annotated

from django.core.paginator import Paginator
from ninja import Field, Schema
from ninja.errors import HttpError
from pydantic import AfterValidator, AwareDatetime, PlainValidator, WithJsonSchema

MAX_ID = 2**63 - 1
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def _no_nul(value: str) -> str:
    # No database stores a NUL character in text; refuse it here instead of failing there.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _date_in_range(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


def _datetime_in_range(value: datetime) -> datetime:
    _date_in_range(value.date())  # before any arithmetic that could overflow
    _date_in_range(value.astimezone(UTC).date())
    return value


def _date_or_instant(value: object) -> date | datetime:
    """A calendar date (YYYY-MM-DD) or an instant that carries its UTC offset."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        return _date_in_range(value)
    else:
        text = str(value).strip()
        if len(text) == 10:
            return _date_in_range(date.fromisoformat(text))
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("a time needs its UTC offset, e.g. 2026-03-03T09:00:00+05:30")
    return _datetime_in_range(parsed)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
ApiDate = Annotated[date, AfterValidator(_date_in_range)]
ApiDateTime = Annotated[AwareDatetime, AfterValidator(_datetime_in_range)]
DateOrInstant = Annotated[
    date | datetime,
    PlainValidator(_date_or_instant),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
            ]
        }
    ),
]


def text(max_length: int, **kw):
    return Annotated[str, Field(max_length=max_length, **kw), AfterValidator(_no_nul)]


# Errors ------------------------------------------------------------------------------------------


class ApiError(HttpError):
    """An HTTP error with our own machine-readable code (sent as an ErrorOut)."""

    def __init__(self, status: int, detail: str, code: str):
        super().__init__(status, str(detail))
        self.code = code


class ErrorOut(Schema):
    detail: str = Field(examples=["That time is no longer available. Please pick another slot."])
    code: str = Field(examples=["slot_unavailable"])


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(examples=[["body", "payload", "start"]])
    msg: str = Field(examples=["Input should have timezone info"])
    type: str = Field(examples=["timezone_aware"])


class ValidationErrorOut(ErrorOut):
    detail: str = Field(examples=["Some of the details are not valid."])
    code: str = Field(examples=["validation_error"])
    errors: list[FieldErrorOut] = Field(default_factory=list)


# Pages and people --------------------------------------------------------------------------------


class Page(Schema):
    count: int = Field(description="Matches over all pages.")
    page: int = Field(description="The page asked for; past the last one, `results` is empty.")
    pages: int
    per_page: int


def page_fields(*, count: int, page: int, per_page: int) -> dict:
    """A Page's fields: `page` is the one asked for, even past the last."""
    return {
        "count": count,
        "page": page,
        "pages": max(1, -(-count // per_page)),
        "per_page": per_page,
    }


def stable_order(sort: str) -> tuple[str, str]:
    """The ordering for a `sort` value ("field" or "-field"): then by id the same way, so pages
    never repeat or skip a row that ties."""
    return sort, "-pk" if sort.startswith("-") else "pk"


def paginate(items, *, page: int, per_page: int) -> tuple[dict, list]:
    """One page of `items` (a queryset or list) and its Page fields. A page past the last is
    empty, never the last page again, so a client reading until an empty page stops."""
    paginator = Paginator(items, per_page)
    fields = page_fields(count=paginator.count, page=page, per_page=per_page)
    if page > paginator.num_pages:
        return fields, []
    return fields, list(paginator.page(page).object_list)


class PersonOut(Schema):
    id: int
    name: str
