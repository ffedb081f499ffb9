"""Delete security-log events before a date: the only way events ever leave the log."""

import getpass
import socket
from datetime import UTC, date, datetime

from django.core.management.base import BaseCommand, CommandError

from carebook.core.security_log import security_log_purge


class Command(BaseCommand):
    help = (
        "Delete security-log events before a date (UTC midnight). The purge leaves its own "
        "row: who ran it, the cutoff, when, and how many events went."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD; events before it go.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, before: str, database: str, **options):
        try:
            day = date.fromisoformat(before)
        except ValueError as exc:
            raise CommandError("--before must be a date, YYYY-MM-DD.") from exc
        if day > datetime.now(UTC).date():
            raise CommandError("--before cannot be in the future.")
        purge = security_log_purge(
            before=datetime.combine(day, datetime.min.time(), UTC),
            ran_by=f"{getpass.getuser()}@{socket.gethostname()}",
            using=database,
        )
        self.stdout.write(f"Deleted {purge.deleted} security-log events before {day}.")
