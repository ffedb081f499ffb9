"""Small database helpers that work on both SQLite and PostgreSQL."""

from django.db.models import BigIntegerField, Func


class EpochSeconds(Func):
    """Seconds since 1970 (UTC) of a datetime column, computed by the database.

    Reading thousands of timestamps as integers skips Python's per-row datetime parsing,
    which dominates the slot queries.
    """

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS bigint)"
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS integer)"
        )
