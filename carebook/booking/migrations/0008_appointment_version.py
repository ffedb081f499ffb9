"""Each appointment counts its changes: the FHIR versionId and the REST ETag.

SQLite adds a NOT NULL column by rebuilding the table, which drops its triggers: put the
no-overlap triggers of 0002 back (as 0003 does).
"""

from importlib import import_module

from django.db import migrations, models

no_overlap = import_module("carebook.booking.migrations.0002_no_overlap_in_database")


def _sqlite_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in no_overlap.SQLITE_DOWN + no_overlap.SQLITE_UP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("booking", "0007_report_indexes")]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
        ),
        migrations.RunPython(_sqlite_triggers_again, migrations.RunPython.noop),
    ]
