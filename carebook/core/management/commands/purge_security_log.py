"""Delete security-log events before a date: the only way events ever leave the log."""

from carebook.core.append_only import PurgeCommand
from carebook.core.security_log import security_log_purge


class Command(PurgeCommand):
    help = (
        "Delete security-log events before a date (UTC midnight). The purge leaves its own "
        "row: who ran it, the cutoff, when, and how many events went."
    )
    noun = "security-log events"

    def purge(self, **kwargs):
        return security_log_purge(**kwargs)
