from django.db import migrations, models


def drop_unanswered(apps, schema_editor):
    # Keys of requests that were still running (or died) hold no answer: they are free now.
    apps.get_model("core", "IdempotencyRecord").objects.filter(response_status__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_security_log_append_only"),
    ]

    operations = [
        migrations.RunPython(drop_unanswered, migrations.RunPython.noop),
        migrations.RemoveField(model_name="idempotencyrecord", name="state"),
        migrations.AlterField(
            model_name="idempotencyrecord",
            name="response_status",
            field=models.PositiveSmallIntegerField(),
        ),
    ]
