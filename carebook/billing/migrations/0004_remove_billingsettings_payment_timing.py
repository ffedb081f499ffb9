from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_payment_at_booking_to_clinic"),
    ]

    operations = [
        migrations.RemoveField(model_name="billingsettings", name="payment_timing"),
    ]
