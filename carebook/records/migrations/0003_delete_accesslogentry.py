from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("records", "0002_copy_access_log_to_core")]

    operations = [migrations.DeleteModel(name="AccessLogEntry")]
