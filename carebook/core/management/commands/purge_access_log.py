"""Delete clinical access-log rows read before a date: the only way rows ever leave the log."""

from carebook.core.access_log import access_log_purge
from carebook.core.append_only import PurgeCommand


class Command(PurgeCommand):
    help = (
        "Delete access-log rows read before a date (UTC midnight). The purge leaves its own "
        "row: who ran it, the cutoff, when, and how many rows went."
    )
    noun = "access-log rows read"

    def purge(self, **kwargs):
        return access_log_purge(**kwargs)
