"""Recompute every bookable practitioner's stored next free start and free days.

The task worker keeps them current; run this after restoring a backup or loading data
with bulk inserts (which send no signals), or to check the sweep is keeping up.
"""

from django.core.management.base import BaseCommand

from carebook.booking.next_free import next_free_store
from carebook.booking.tasks import ensure_sweep_scheduled
from carebook.clinic.selectors import practitioners_bookable

BATCH = 200


class Command(BaseCommand):
    help = "Recompute the stored next free start of every bookable practitioner."

    def handle(self, *args, **options):
        ids = list(practitioners_bookable().order_by("pk").values_list("pk", flat=True))
        for at in range(0, len(ids), BATCH):
            next_free_store(ids[at : at + BATCH])
        ensure_sweep_scheduled()
        self.stdout.write(f"Recomputed {len(ids)} practitioners.")
