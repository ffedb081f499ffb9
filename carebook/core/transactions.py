"""Write transactions: each service owns one, unless a request must commit its answer with it.

Services are durable by default (`atomic_write`): nothing may wrap them, so their commit is the
commit. The one exception is `request_transaction`, which an Idempotency-Key request opens
around the whole view: the service then runs inside it, as a savepoint (a refusal rolls back
only its own work), and the stored answer commits in the same transaction as the change.
"""

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_inside_request_transaction = ContextVar("inside_request_transaction", default=False)


@contextmanager
def request_transaction() -> Iterator[None]:
    """One durable transaction around a request whose answer commits with its change."""
    with transaction.atomic(durable=True):
        token = _inside_request_transaction.set(True)
        try:
            yield
        finally:
            _inside_request_transaction.reset(token)


def atomic_write(func=None, *, commit_before=()):
    """A service's transaction: durable, or a savepoint inside `request_transaction`.

    `commit_before`: refusals the service raises before it has written anything that the
    refusal undoes. The transaction then commits instead of rolling back (what it did is whole
    on its own, or nothing), and the refusal is raised after: on PostgreSQL a rollback costs a
    round trip more and makes psycopg forget every statement it prepared on the connection.
    """
    if func is None:
        return functools.partial(atomic_write, commit_before=commit_before)

    @functools.wraps(func)
    def run(*args, **kwargs):
        with transaction.atomic(durable=not _inside_request_transaction.get()):
            try:
                return func(*args, **kwargs)
            except commit_before as exc:
                refusal = exc
        raise refusal

    return run
