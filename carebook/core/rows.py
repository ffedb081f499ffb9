"""Inserting rows with SQL built once per model, not compiled by the ORM on every save.

The hot writes (a booking, its history row, its outbox tasks) are single-row inserts; building
and compiling each through `Model.objects.create` cost more than PostgreSQL spends running it.
The text stays constant, so a server-side prepared statement can be reused too; only the values
are prepared per call, as `save()` prepares them. No signals are sent.
"""

from functools import cache

from django.db import connections, router
from django.db.models import AutoField, Model


@cache
def _insert_sql(model: type[Model], vendor: str, skip_conflict: bool) -> tuple[str, list]:
    ops = connections["default"].ops
    # A database-generated key (serial) is left out and read back; any other (a UUID) is sent.
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField)]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    # PostgreSQL skips a row that an exclusion constraint refuses without aborting the
    # transaction, so no savepoint is needed around the insert.
    conflict = " ON CONFLICT DO NOTHING" if skip_conflict and vendor == "postgresql" else ""
    returning = ops.quote_name(model._meta.pk.column)
    # Names come from the model's meta; values are always parameters.
    table = ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({values}){conflict} RETURNING {returning}"  # noqa: S608
    return sql, fields


def row_insert(obj: Model, *, skip_conflict: bool = False) -> bool:
    """Insert `obj` (a new instance) and set its pk, as `save()` would (no signals are sent);
    False when `skip_conflict` and a constraint refused the row (PostgreSQL; SQLite raises)."""
    model = type(obj)
    connection = connections[router.db_for_write(model)]
    sql, fields = _insert_sql(model, connection.vendor, skip_conflict)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = model._meta.pk.to_python(row[0])
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


@cache
def _insert_many_sql(model: type[Model], count: int) -> tuple[str, list]:
    ops = connections["default"].ops
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    row = f"({', '.join(['%s'] * len(fields))})"
    table = ops.quote_name(model._meta.db_table)
    # Names come from the model's meta; values are always parameters.
    return f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * count)}", fields  # noqa: S608


def rows_insert(objs: list[Model]) -> None:
    """Insert new instances of one model whose keys are set before saving (a UUID), in one
    statement: as `row_insert` each, without a round trip each. Values are written as set:
    an `auto_now_add` field is stamped only if it is still empty."""
    if not objs:
        return
    model = type(objs[0])
    if isinstance(model._meta.pk, AutoField) or any(type(o) is not model for o in objs):
        raise ValueError("rows_insert takes instances of one model with keys set before saving")
    connection = connections[router.db_for_write(model)]
    sql, fields = _insert_many_sql(model, len(objs))
    params = [
        f.get_db_prep_save(
            value if (value := getattr(obj, f.attname)) is not None else f.pre_save(obj, True),
            connection,
        )
        for obj in objs
        for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
