"""After restoring a backup: mark sent every queued message the sent journal says was accepted."""

from django.core.management.base import BaseCommand

from carebook.core.timeutils import now as utcnow
from carebook.notifications import journal
from carebook.notifications.models import Delivery


class Command(BaseCommand):
    help = (
        "Run after restoring a database backup, before starting the worker: messages the "
        "journal (CAREBOOK_SENT_JOURNAL_DIR) shows as accepted are marked sent, not sent again."
    )

    def handle(self, *args, **options):
        known = journal.keys()
        unsent = Delivery.objects.filter(key__in={e.partition("|")[0] for e in known}).exclude(
            status=Delivery.Status.SENT
        )
        accepted = [
            d.pk
            for d in unsent.select_related("appointment", "recipient")
            if journal.entry(d) in known
        ]
        fixed = Delivery.objects.filter(pk__in=accepted).update(
            status=Delivery.Status.SENT, sent_at=utcnow(), claimed_until=None
        )
        self.stdout.write(
            f"{fixed} message(s) already accepted before the restore marked sent "
            f"({len(known)} in the journal)."
        )
