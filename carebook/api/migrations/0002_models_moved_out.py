"""ApiToken now belongs to accounts and IdempotencyRecord to core; their tables stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_tokens_and_idempotency"),
        ("accounts", "0003_apitoken_from_api"),
        ("core", "0003_idempotencyrecord_from_api"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ApiToken"),
                migrations.DeleteModel(name="IdempotencyRecord"),
            ],
            database_operations=[],
        ),
    ]
