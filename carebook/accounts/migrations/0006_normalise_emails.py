"""Store every email in one spelling (NFKC, case-folded), as accounts.identity compares them.

Nothing is merged or refused: when two accounts would end up with one address, both are left as
they are and a warning names them, for staff to sort out.
"""

import logging
import unicodedata

from django.db import migrations

logger = logging.getLogger("carebook.accounts.migrations")


def normalise(email: str) -> str:
    # A copy of accounts.identity.email_normalise as it was when this migration was written.
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def normalise_emails(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    db = schema_editor.connection.alias
    taken = {email.lower() for email in User.objects.using(db).values_list("email", flat=True)}
    for pk, email in User.objects.using(db).order_by("pk").values_list("pk", "email").iterator():
        wanted = normalise(email)
        if wanted == email:
            continue
        if wanted.lower() in taken and wanted.lower() != email.lower():
            logger.warning(
                "accounts: not normalising the email of user %s (%r): %r belongs to another "
                "account. Merge or rename one of them.",
                pk,
                email,
                wanted,
            )
            continue
        User.objects.using(db).filter(pk=pk).update(email=wanted)
        taken.discard(email.lower())
        taken.add(wanted.lower())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_email_verified_at_ratelimithit"),
    ]

    operations = [
        migrations.RunPython(normalise_emails, migrations.RunPython.noop, elidable=True),
    ]
