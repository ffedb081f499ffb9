"""Which database a query goes to: the primary, or a streaming replica for opted-in reads.

Off unless settings.DATABASES has a `replica` alias (DATABASE_REPLICA_URL). Then a read goes to
the replica only when all of these hold: the code asked for it (`replica_reads()`, which
carebook.core.read_your_writes enters for an allow-list of public read-only pages), the session
did not write recently, nothing in this scope wrote yet, no transaction is open on the primary,
and the model is not one that authenticates a request. Everything else, every write and every
read a write depends on (a booking's re-check runs inside its transaction), uses the primary.
docs/scaling.md explains why each rule is there.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# Sessions, API tokens and second factors decide who is asking: a replica a moment behind would
# log someone out or let a revoked token in. Tasks are a queue, read to be claimed.
PRIMARY_ONLY_APPS = frozenset({"sessions", "django_tasks_database", "otp_totp", "otp_static"})
PRIMARY_ONLY_MODELS = frozenset({"accounts.apitoken"})


@dataclass
class ReadScope:
    """What the code running now allows: replica reads, unless pinned to the primary."""

    replica: bool = False
    pinned: bool = False  # the session wrote lately, or this scope wrote


_scope: ContextVar[ReadScope | None] = ContextVar("carebook_read_scope", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def read_scope(*, pinned: bool = False) -> Iterator[ReadScope]:
    """A fresh scope for one request (or one unit of work); primary until something opts in."""
    token = _scope.set(ReadScope(pinned=pinned))
    try:
        yield _scope.get()
    finally:
        _scope.reset(token)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Let reads in this block go to the replica (when the router's other rules allow it)."""
    scope = _scope.get()
    if scope is None:
        with read_scope() as scope:
            scope.replica = True
            yield
        return
    before = scope.replica
    scope.replica = True
    try:
        yield
    finally:
        scope.replica = before


def pin_to_primary() -> None:
    """From now on in this scope every read goes to the primary."""
    scope = _scope.get()
    if scope is not None:
        scope.pinned = True


def reads_replica(model=None) -> bool:
    """Whether a read of `model` here would go to the replica."""
    scope = _scope.get()
    if scope is None or not scope.replica or scope.pinned or not replica_configured():
        return False
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return False  # a transaction reads what it will decide on: the primary's rows
    if model is not None:
        meta = model._meta
        if meta.app_label in PRIMARY_ONLY_APPS or meta.label_lower in PRIMARY_ONLY_MODELS:
            return False
    return True


class ReplicaRouter:
    """Reads to the replica where `reads_replica()` says so; everything else to the primary.

    Without a replica it answers nothing, so Django routes exactly as with one database.
    """

    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        # Never None here: Django would follow an instance read from the replica back to it.
        return REPLICA if reads_replica(model) else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        if not replica_configured():
            return None
        pin_to_primary()  # what this scope reads after a write must include the write
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True  # the same rows, a moment apart
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == REPLICA:
            return False  # the replica replays the primary's schema
        return None
