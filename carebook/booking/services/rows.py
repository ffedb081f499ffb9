"""The booking's lock as a statement built once per process (its inserts: `core.rows`).

A booking is a handful of statements; building and compiling them through the ORM each time
cost more than PostgreSQL spends running them. The SQL text stays constant (so a server-side
prepared statement can be reused too) and only the values are prepared per call.
"""

from functools import cache

from django.db import connections, router

from carebook.accounts.models import User
from carebook.clinic.models import Clinic, Practitioner


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
