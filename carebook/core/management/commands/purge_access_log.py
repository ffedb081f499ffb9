"""Delete clinical access-log rows read before a date: the only way rows ever leave the log."""

import getpass
import socket
from datetime import UTC, date, datetime

from django.core.management.base import BaseCommand, CommandError

from carebook.core.access_log import access_log_purge


class Command(BaseCommand):
    help = (
        "Delete access-log rows read before a date (UTC midnight). The purge leaves its own "
        "row: who ran it, the cutoff, when, and how many rows went."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD; rows before it go.")
        parser.add_argument("--database", default="default")

    def handle(self, *args, before: str, database: str, **options):
        try:
            day = date.fromisoformat(before)
        except ValueError as exc:
            raise CommandError("--before must be a date, YYYY-MM-DD.") from exc
        if day > datetime.now(UTC).date():
            raise CommandError("--before cannot be in the future.")
        purge = access_log_purge(
            before=datetime.combine(day, datetime.min.time(), UTC),
            ran_by=f"{getpass.getuser()}@{socket.gethostname()}",
            using=database,
        )
        self.stdout.write(f"Deleted {purge.deleted} access-log rows read before {day}.")
