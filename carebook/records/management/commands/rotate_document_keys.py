"""Re-encrypt every stored medical document under the first CAREBOOK_DOCUMENT_KEYS key."""

import logging
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from carebook.records import storage
from carebook.records.models import MedicalDocument

logger = logging.getLogger("carebook.records.rotate_document_keys")


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored medical document under the first key of "
        "CAREBOOK_DOCUMENT_KEYS, and encrypt any file written before encryption. Files already "
        "under the first key are left alone, so the command can be run again or resumed after an "
        "interruption. Fails if a file cannot be decrypted with any configured key."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would change; write nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        stale = 0 if dry_run else storage.remove_stale_temporaries()
        names = storage.stored_names()
        known = set(
            MedicalDocument.objects.filter(storage_name__in=names).values_list(
                "storage_name", flat=True
            )
        )
        counts: Counter[str] = Counter()
        for name in names:
            try:
                counts[storage.reencrypt(name, dry_run=dry_run)] += 1
            except storage.DocumentUnreadable:
                counts["unreadable"] += 1
                logger.error("Document file %s: no configured key decrypts it.", name)
        orphans = len(names) - len(known)
        summary = (
            f"{'Would re-encrypt' if dry_run else 'Re-encrypted'} {len(names)} document files: "
            f"{counts['current']} already under the first key, {counts['rotated']} rotated from "
            f"an older key, {counts['encrypted']} plaintext encrypted, {counts['missing']} gone "
            f"meanwhile, {counts['unreadable']} unreadable; {orphans} with no database row; "
            f"{stale} half-written leftovers removed."
        )
        logger.info(summary)
        self.stdout.write(summary)
        if counts["unreadable"]:
            raise CommandError(
                f"{counts['unreadable']} file(s) could not be decrypted: keep every old key in "
                "CAREBOOK_DOCUMENT_KEYS until this command reports none."
            )
