"""`manage.py reports_rollup`: recompute the reports' rollups from the appointments and the
money records (after a bulk load, a repair by hand, or a location's new time zone)."""

import time

from django.core.management.base import BaseCommand

from carebook.reports.rebuild import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute the visits and money rollups the reports read."

    def add_arguments(self, parser):
        parser.add_argument(
            "--practitioner", type=int, action="append", help="only this practitioner (repeat)"
        )

    def handle(self, *args, practitioner=None, **options):
        t0 = time.perf_counter()
        visits, money = rollups_rebuild(practitioner)
        self.stdout.write(
            f"visits rollup: {visits} day rows; money rollup: {money} day rows "
            f"({time.perf_counter() - t0:.1f} s)"
        )
