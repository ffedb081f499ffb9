"""Small database helpers that work on both SQLite and PostgreSQL."""

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import BigIntegerField, Field, ForeignObject, Func, Lookup

from carebook.core.timeutils import zone

_EPOCH_TEMPLATES = {
    # The value CAST(EXTRACT(EPOCH ...) AS bigint) gives (half a second rounds up, for any
    # instant after 1970) without EXTRACT's numeric arithmetic, which costs as much as the
    # rest of reading a thousand appointments.
    "postgresql": "CAST(floor(date_part('epoch', %(expressions)s) + 0.5) AS bigint)",
    "sqlite": "CAST(strftime('%%%%s', %(expressions)s) AS integer)",
}


class EpochSeconds(Func):
    """Seconds since 1970 (UTC) of a datetime column, computed by the database.

    Reading thousands of timestamps as integers skips Python's per-row datetime parsing,
    which dominates the slot queries.
    """

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=_EPOCH_TEMPLATES["postgresql"])

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template=_EPOCH_TEMPLATES["sqlite"])


def epoch_seconds_sql(vendor: str, column: str) -> str:
    """`EpochSeconds` of a quoted column as SQL text for `cursor.execute` with parameters."""
    return _EPOCH_TEMPLATES[vendor] % {"expressions": column}


def _local_wall_time(time_zone: str | None, value: str | None) -> str | None:
    """SQLite's stand-in for PostgreSQL's timezone(zone, instant): the wall-clock time, as text."""
    if time_zone is None or value is None:
        return None
    instant = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return instant.astimezone(zone(time_zone)).replace(tzinfo=None).isoformat(" ")


def sqlite_functions(sender, connection, **kwargs):
    """SQLite has no time zones: give it the one conversion the reports group by."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "carebook_local", 2, _local_wall_time, deterministic=True
        )


def in_ids_sql(vendor: str, column: str, *, one: bool = False) -> str:
    """`column IN (ids)` with the ids as one parameter (`ids_param`): one text for any count,
    or `column = %s` when `one` id is asked (the plainer plan for the commonest case)."""
    if one:
        return f"{column} = %s"
    if vendor == "postgresql":
        return f"{column} = ANY(%s)"
    return f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (a quoted name)


class Ids(list):
    """Ids sent as one parameter (`in_ids_sql`, the `in_ids` lookup): an array on PostgreSQL
    (psycopg dumps a list's subclass as a list), JSON text on SQLite (adapted below)."""


sqlite3.register_adapter(Ids, json.dumps)


def ids_param(ids: list[int]) -> int | Ids:
    """The parameter `in_ids_sql` takes: the id itself for `one`, else the ids as `Ids`."""
    return ids[0] if len(ids) == 1 else Ids(ids)


@Field.register_lookup
@ForeignObject.register_lookup
class InIds(Lookup):
    """`column__in_ids=ids`: `column IN (ids)` with one text for any number of ids
    (`core.db.in_ids_sql`), so a `core.compiled.Compiled` query can take a list."""

    lookup_name = "in_ids"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", [value if isinstance(value, Ids) else Ids(int(v) for v in value)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _rhs, rhs_params = self.process_rhs(compiler, connection)
        return in_ids_sql(connection.vendor, lhs), [*lhs_params, *rhs_params]


_planned_for_values: ContextVar[bool] = ContextVar("planned_for_values", default=False)


@contextmanager
def planned_for_values() -> Iterator[None]:
    """Have PostgreSQL plan every statement inside for its own values.

    Statements are prepared (settings.postgresql), and after five runs PostgreSQL may keep a
    generic plan, blind to the values: right for a booking's statements, which find a few rows
    by key, wrong for a report, whose best plan depends on the range asked (over a million
    visits a generic plan took a report section from 0.15 to 0.5 s). Also usable as a
    decorator; nested blocks cost nothing more.
    """
    if (
        _planned_for_values.get()
        or connection.vendor != "postgresql"
        or not connection.features.uses_server_side_binding
    ):
        yield
        return
    token = _planned_for_values.set(True)
    try:
        with transaction.atomic():  # SET LOCAL: the setting ends with the block's transaction
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL plan_cache_mode TO force_custom_plan")
            yield
    finally:
        _planned_for_values.reset(token)
