"""Django's PostgreSQL backend, without the health check of a connection that just answered.

With `CONN_HEALTH_CHECKS`, Django sends `SELECT 1` before the first statement of every request
on a kept connection: a round trip that a busy worker pays on every request (a booking over
the REST API makes twelve). Here a connection that answered less than `TRUSTED_FOR` ago, in a
request that met no database error, is trusted as it is; an idle one is checked as before. A
connection lost within that second (PostgreSQL does not restart that fast; a backend killed
by hand or a pooler restarted does) fails that one request, as it would without the check: a
503, and the connection is dropped at the request's end.

After any database error but a constraint's or bad data's the connection is dropped, not
checked and kept: a prepared statement that a migration made stale ("cached plan must not
change result type") then goes with it, instead of failing again on every request.
"""

import time

from django.db.backends.postgresql import base

TRUSTED_FOR = 1.0  # seconds
clock = time.monotonic


class DatabaseWrapper(base.DatabaseWrapper):
    _answered_at = float("-inf")  # when this connection last ran a statement of a good request
    _used_at = None  # when the work since the last request boundary last asked for a cursor

    def close_if_health_check_failed(self):
        now = clock()
        trusted = now - self._answered_at < TRUSTED_FOR
        self._used_at = now
        if (
            trusted
            and self.connection is not None
            and not self.connection.closed
            and not self.health_check_done
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        # Called as each request starts and ends (and by task workers between tasks).
        if self.connection is not None and self.errors_occurred:
            self.close()
        elif self._used_at is not None and self.connection is not None:
            self._answered_at = self._used_at
        self._used_at = None
        super().close_if_unusable_or_obsolete()
