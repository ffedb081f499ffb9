"""Read-your-writes with a replica: who just wrote reads the primary; listed pages may not.

A request that may have changed something (any method but GET, HEAD, OPTIONS) gets a signed,
timestamped cookie; for CAREBOOK_REPLICA_PIN_SECONDS afterwards that browser reads only from
the primary, so the booking it just made is on the next page it sees. Otherwise the GET pages
in REPLICA_VIEWS (the public directory, a practitioner's page and free slots, and their REST
twins) read from the replica. Without a replica this middleware does nothing.
"""

import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections

from carebook.core.db_router import REPLICA, read_scope, replica_configured

log = logging.getLogger(__name__)
LOG_EVERY_SECONDS = 60.0
_last_logged = float("-inf")

COOKIE = "carebook_wrote"
SALT = "carebook.core.read_your_writes"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Public, read-only pages whose answer may be a moment old (each booking is decided again, on
# the primary, inside its transaction). Names as `resolve()` gives them.
REPLICA_VIEWS = frozenset(
    {
        "directory",
        "practitioner",
        "slot_picker",
        "api:practitioners",
        "api:practitioner_detail",
        "api:practitioner_slots",
        "api:specialties",
        "api:locations",
    }
)


def pin_seconds() -> int:
    return settings.CAREBOOK_REPLICA_PIN_SECONDS


def wrote_lately(request) -> bool:
    value = request.get_signed_cookie(COOKIE, default=None, salt=SALT, max_age=pin_seconds())
    return value is not None


def replica_up() -> bool:
    """Connect to the replica if need be; a replica that is down leaves its reads to the primary."""
    global _last_logged
    try:
        connections[REPLICA].ensure_connection()
    except DatabaseError as exc:
        if time.monotonic() - _last_logged >= LOG_EVERY_SECONDS:
            _last_logged = time.monotonic()
            log.warning(
                "Replica unreachable; its reads go to the primary (logged once a minute): %s", exc
            )
        return False
    return True


class ReadYourWritesMiddleware:
    """Last in MIDDLEWARE, so everything before the view (session, user) reads the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        with read_scope(pinned=wrote_lately(request)) as scope:
            request.read_scope = scope
            response = self.get_response(request)
        if request.method not in READ_METHODS:
            response.set_signed_cookie(
                COOKIE,
                "1",
                salt=SALT,
                max_age=pin_seconds(),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        scope = getattr(request, "read_scope", None)
        if (
            scope is not None
            and not scope.pinned
            and request.method in READ_METHODS
            and request.resolver_match.view_name in REPLICA_VIEWS
            and replica_up()
        ):
            scope.replica = True
