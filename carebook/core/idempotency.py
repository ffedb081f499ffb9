"""Idempotency-Key: a retried POST gets the first answer instead of doing the work twice.

The request runs in one transaction (`request_transaction`) that also stores its answer, so after
a crash at any point a retry either replays the committed answer or finds nothing and runs
afresh. "Still running" is a lock the live request holds: on PostgreSQL a transaction-level
advisory lock on the (user, key) pair, taken without waiting (a second request with the key is
told 409 at once); on SQLite the write transaction itself (`BEGIN IMMEDIATE`: the second waits,
then replays). A dead request's lock dies with its connection, so its key is free at once.
The same key with another body is refused (422). The REST routers use `idempotent`; the FHIR
door calls `run_once` with its own rendering.
"""

import functools
import hashlib
import inspect
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.http import HttpRequest, HttpResponse
from ninja import Header, Status
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

from carebook.core import faults
from carebook.core.models import IdempotencyRecord
from carebook.core.schemas import ApiError
from carebook.core.timeutils import now as utcnow
from carebook.core.transactions import request_transaction

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

ErrorAnswer = Callable[[Exception], tuple[int, Any, dict[str, str]] | None]


# Records -----------------------------------------------------------------------------------------


class IdempotencyConflict(Exception):
    """The key is in use: by a different request (`reused`) or one still running."""

    def __init__(self, *, reused: bool):
        self.reused = reused
        super().__init__("reused" if reused else "in progress")


class _NotKept(Exception):
    """A server error answer: the whole request rolls back and the key stays free."""

    def __init__(self, status: int, text: str):
        self.status, self.text = status, text


def idempotency_ttl() -> timedelta:
    return timedelta(hours=getattr(settings, "CAREBOOK_IDEMPOTENCY_HOURS", 24))


def _key_lock(user_id: int, key: str) -> bool:
    """Hold the (user, key) lock until this transaction ends; False if a live request has it."""
    if connection.vendor != "postgresql":
        return True  # SQLite: this IMMEDIATE transaction already excludes every other writer
    digest = hashlib.sha256(f"idempotency:{user_id}:{key}".encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )
        return cursor.fetchone()[0]


def request_fingerprint(request: HttpRequest) -> str:
    """A digest of what the request asks for: method, path, query and body (JSON-normalised)."""
    body = request.body
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = body
    digest = hashlib.sha256()
    for part in (
        request.method.encode(),
        request.path.encode(),
        request.META.get("QUERY_STRING", "").encode(),
        canonical,
    ):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def conflict_error(exc: IdempotencyConflict) -> ApiError:
    if exc.reused:
        return ApiError(
            422,
            "This Idempotency-Key was already used for a different request.",
            "idempotency_key_reused",
        )
    return ApiError(
        409,
        "A request with this Idempotency-Key is still being processed. Retry shortly.",
        "idempotency_in_progress",
    )


def run_once(
    request: HttpRequest,
    *,
    user: AbstractBaseUser,
    key: str,
    work: Callable[[], tuple[int, Any]],
    render: Callable[[Any], str],
) -> tuple[int, str, bool]:
    """Run `work` (which answers (status, body)) at most once per user and key.

    Returns (status, the body as `render` writes it, replayed). The text is stored, so a replay is
    byte for byte the first answer. Raises ApiError for a reused or busy key. Answers below 500
    commit with the work; a server error or an exception rolls both back, leaving the key free.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            422, f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} characters.", "invalid_input"
        )
    fingerprint = request_fingerprint(request)
    try:
        with request_transaction():
            if not _key_lock(user.pk, key):
                raise IdempotencyConflict(reused=False)
            now = utcnow()
            record = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if record is not None and record.created_at >= now - idempotency_ttl():
                if record.request_hash != fingerprint:
                    raise IdempotencyConflict(reused=True)
                return record.response_status, record.response_body, True
            status, body = work()
            text = render(body)
            if status >= 500:
                raise _NotKept(status, text)
            # Keys past their lifetime answer nothing any more; clear them out as we go.
            IdempotencyRecord.objects.filter(created_at__lt=now - idempotency_ttl()).delete()
            IdempotencyRecord.objects.create(
                user=user,
                key=key,
                request_hash=fingerprint,
                response_status=status,
                response_body=text,
            )
        faults.crash_point("after_commit")
        return status, text, False
    except _NotKept as answer:
        return answer.status, answer.text, False
    except IdempotencyConflict as exc:
        raise conflict_error(exc) from exc


# The ninja decorator -----------------------------------------------------------------------------


# How an exception a view raises becomes the (status, body, headers) the API sends, so that it is
# stored and replayed like any other answer. The API that mounts the views registers its mapping
# (carebook.api.errors does); an exception nobody maps frees the key and propagates.
def _unmapped(exc: Exception) -> None:
    return None


_error_answer: ErrorAnswer = _unmapped


def answer_errors_with(error_answer: ErrorAnswer) -> None:
    """Use `error_answer` to turn a failing idempotent view's exception into its stored answer."""
    global _error_answer
    _error_answer = error_answer


def render_json(value: Any) -> str:
    """The JSON the API sends for `value` (a schema or plain data), as ninja renders it."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    return json.dumps(value, cls=NinjaJSONEncoder)


def json_response(status: int, text: str, *, replayed: bool) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="application/json; charset=utf-8")
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def idempotent(view: Callable) -> Callable:
    """Make a ninja view honour the Idempotency-Key header (and document it).

    The view answers with `Status(code, schema)`; domain errors it raises are stored and replayed
    like any other answer. Without the header the view runs as it is.
    """
    signature = inspect.signature(view)
    key_param = inspect.Parameter(
        "idempotency_key",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            str | None,
            Header(
                alias=HEADER,
                max_length=MAX_KEY_LENGTH,
                description="Any unique string, e.g. a UUID. A retry with the same key and body "
                "returns the first response without doing the work again.",
            ),
        ],
    )

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, idempotency_key: str | None = None, **kwargs):
        if idempotency_key is None:
            return view(request, *args, **kwargs)

        def work() -> tuple[int, Any]:
            try:
                result = view(request, *args, **kwargs)
            except Exception as exc:
                answer = _error_answer(exc)
                if answer is None:
                    raise
                status, body, _headers = answer
                return status, body
            if isinstance(result, Status):
                return result.status_code, result.value
            return 200, result

        status, text, replayed = run_once(
            request, user=request.auth, key=idempotency_key, work=work, render=render_json
        )
        # The view built its answer from its response schema, so it is sent as rendered.
        return json_response(status, text, replayed=replayed)

    wrapper.__signature__ = signature.replace(
        parameters=[*signature.parameters.values(), key_param]
    )
    return wrapper
