"""What the append-only logs (clinical access, security) share: the one way rows leave them.

The database refuses UPDATE and DELETE on a log's table unless a purge row of that log is open
(`finished_at` empty) with a cutoff later than the row; a purge opens one, deletes, and closes
it with the count, so every removal leaves its own record.
"""

import getpass
import socket
from datetime import UTC, date, datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EVERYTHING = datetime(9000, 1, 1, tzinfo=UTC)


class PurgeRecord(models.Model):
    """One run of a log's purge: while `finished_at` is empty, rows before `cutoff` may be
    deleted (the database checks it); afterwards it says who removed how many. Each log's
    subclass declares `cutoff` (its label says what the rows are) and its Meta."""

    ran_by = models.CharField(_("run by"), max_length=150)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    deleted = models.PositiveBigIntegerField(_("rows deleted"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"Purge before {self.cutoff:%Y-%m-%d} by {self.ran_by}"


def purge_before(
    *,
    log: type[models.Model],
    purges: type[models.Model],
    before: datetime,
    ran_by: str,
    using: str,
):
    """Delete `log` rows with `at` before `before` through an open `purges` row, then close it.

    Runs inside the caller's transaction; returns the purge row."""
    purge = purges.objects.using(using).create(cutoff=before, ran_by=ran_by[:150])
    deleted, _by_model = log.objects.using(using).filter(at__lt=before).delete()
    purge.finished_at = timezone.now()
    purge.deleted = deleted
    purge.save(using=using, update_fields=["finished_at", "deleted"])
    return purge


def purge_log(*, log, purges, before: datetime, ran_by: str, using: str = "default"):
    """`purge_before` in a transaction of its own."""
    with transaction.atomic(using=using, durable=True):
        return purge_before(log=log, purges=purges, before=before, ran_by=ran_by, using=using)


class PurgeCommand(BaseCommand):
    """`manage.py purge_<log> --before YYYY-MM-DD`: subclasses say which log and its noun."""

    noun = "rows"

    def purge(self, *, before: datetime, ran_by: str, using: str):
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument(
            "--before", required=True, help=f"YYYY-MM-DD; {self.noun} before it go."
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, before: str, database: str, **options):
        try:
            day = date.fromisoformat(before)
        except ValueError as exc:
            raise CommandError("--before must be a date, YYYY-MM-DD.") from exc
        if day > datetime.now(UTC).date():
            raise CommandError("--before cannot be in the future.")
        purge = self.purge(
            before=datetime.combine(day, datetime.min.time(), UTC),
            ran_by=f"{getpass.getuser()}@{socket.gethostname()}",
            using=database,
        )
        self.stdout.write(f"Deleted {purge.deleted} {self.noun} before {day}.")
