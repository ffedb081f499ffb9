"""IdempotencyRecord moves from the api app to core (REST and FHIR share it); the table stays."""

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
        ("core", "0002_access_log_append_only"),
        ("api", "0001_tokens_and_idempotency"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyRecord",
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
                        ("key", models.CharField(max_length=255, verbose_name="key")),
                        ("request_hash", models.CharField(max_length=64)),
                        (
                            "state",
                            models.CharField(
                                choices=[("in_progress", "In progress"), ("done", "Done")],
                                default="in_progress",
                                max_length=16,
                                verbose_name="state",
                            ),
                        ),
                        (
                            "response_status",
                            models.PositiveSmallIntegerField(blank=True, null=True),
                        ),
                        ("response_body", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "idempotency record",
                        "db_table": "api_idempotencyrecord",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "key"), name="idempotency_user_key_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            content_type_to("api", "core", "idempotencyrecord"),
            content_type_to("core", "api", "idempotencyrecord"),
        ),
    ]
