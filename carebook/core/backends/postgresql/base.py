"""Django's PostgreSQL backend, without the health check on a connection that just answered.

With `CONN_HEALTH_CHECKS`, Django sends `SELECT 1` before the first statement of every request
on a kept connection: a round trip that a busy worker pays on every request (a booking over
the REST API makes thirteen). Here a connection whose last request ended without a database
error less than `TRUSTED_FOR` ago is trusted as it is; an idle one is checked as before. A
server that went away within that second fails that one request as it would without the check
(503, and the connection is dropped at its end); PostgreSQL does not restart that fast.
"""

import time

from django.db.backends.postgresql import base

TRUSTED_FOR = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    _answered_at = float("-inf")  # when a request that used this connection last ended well
    _used = False  # whether the request now running asked for a cursor

    def close_if_health_check_failed(self):
        self._used = True
        if (
            self.connection is not None
            and not self.health_check_done
            and time.monotonic() - self._answered_at < TRUSTED_FOR
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        # Called as each request starts and ends: only the end of one that used the connection
        # (errors_occurred is set by any database error but a constraint's or bad data's) vouches.
        if self._used and self.connection is not None and not self.errors_occurred:
            self._answered_at = time.monotonic()
        self._used = False
        super().close_if_unusable_or_obsolete()
