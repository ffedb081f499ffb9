"""ApiToken moves from the api app to accounts: the model changes owner, its table and rows stay."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_to(app_from: str, app_to: str, model: str):
    """Relabel the model's content type, so permissions granted on it keep pointing at it."""

    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        types = ContentType.objects.using(schema_editor.connection.alias)
        if not types.filter(app_label=app_to, model=model).exists():
            types.filter(app_label=app_from, model=model).update(app_label=app_to)

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_failedlogin"),
        ("api", "0001_tokens_and_idempotency"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(blank=True, max_length=100, verbose_name="name")),
                        (
                            "prefix",
                            models.CharField(editable=False, max_length=12, verbose_name="prefix"),
                        ),
                        ("digest", models.CharField(editable=False, max_length=64, unique=True)),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created"),
                        ),
                        ("expires_at", models.DateTimeField(verbose_name="expires")),
                        (
                            "last_used_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="last used"),
                        ),
                        (
                            "revoked_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="revoked"),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API token",
                        "verbose_name_plural": "API tokens",
                        "db_table": "api_apitoken",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(
                                fields=["user", "revoked_at"], name="api_apitoke_user_id_0370d7_idx"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            content_type_to("api", "accounts", "apitoken"),
            content_type_to("accounts", "api", "apitoken"),
        ),
    ]
