"""The booking's writes and locks as statements built once per process.

A booking is a handful of statements; building and compiling them through the ORM each time
cost more than PostgreSQL spends running them. These helpers keep the SQL text constant (so a
server-side prepared statement can be reused too) and only prepare the values per call.
"""

from functools import cache

from django.db import connections, router
from django.db.models import Model

from carebook.accounts.models import User
from carebook.clinic.models import Clinic, Practitioner


@cache
def _insert_sql(model: type[Model], vendor: str, skip_conflict: bool) -> tuple[str, list]:
    ops = connections["default"].ops
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
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
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


@cache
def _lock_sql(vendor: str) -> str:
    ops = connections["default"].ops
    practitioner = ops.quote_name(Practitioner._meta.db_table)
    user = ops.quote_name(User._meta.db_table)
    clinic = ops.quote_name(Clinic._meta.db_table)
    lock = " FOR UPDATE OF p, u" if vendor == "postgresql" else ""
    return (
        f"SELECT c.payment_at_booking, c.max_active_holds FROM {practitioner} p "  # noqa: S608
        f"JOIN {user} u ON u.id = %s "
        f"LEFT JOIN (SELECT payment_at_booking, max_active_holds FROM {clinic} "
        f"ORDER BY id LIMIT 1) c ON 1 = 1 WHERE p.id = %s{lock}"
    )


def parties_lock(*, practitioner_id: int, patient_id: int) -> tuple[bool, int]:
    """Lock the practitioner's row, then the patient's, until the transaction ends, and read the
    clinic's booking policy with them: (payment at booking, most live holds per patient).

    One statement for what were three. On SQLite the locks are moot: IMMEDIATE transactions
    already hold the database's write lock. Without a clinic row, its defaults apply.
    """
    connection = connections[router.db_for_write(Practitioner)]
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(connection.vendor), [patient_id, practitioner_id])
        row = cursor.fetchone()
    if row is None or row[0] is None:
        defaults = Clinic()
        return defaults.payment_at_booking, defaults.max_active_holds
    return bool(row[0]), row[1]
