"""Move "when patients pay" to the clinic: payment_timing "at_booking" → Clinic.payment_at_booking."""

from django.db import migrations


def to_clinic(apps, schema_editor):
    BillingSettings = apps.get_model("billing", "BillingSettings")
    Clinic = apps.get_model("clinic", "Clinic")
    rules = BillingSettings.objects.order_by("pk").first()
    if rules is None or rules.payment_timing != "at_booking":
        return
    clinic = Clinic.objects.order_by("pk").first()
    if clinic is None:
        Clinic.objects.create(payment_at_booking=True)
    else:
        Clinic.objects.filter(pk=clinic.pk).update(payment_at_booking=True)


def from_clinic(apps, schema_editor):
    BillingSettings = apps.get_model("billing", "BillingSettings")
    Clinic = apps.get_model("clinic", "Clinic")
    clinic = Clinic.objects.order_by("pk").first()
    timing = "at_booking" if clinic is not None and clinic.payment_at_booking else "at_clinic"
    rules = BillingSettings.objects.order_by("pk").first()
    if rules is not None:
        BillingSettings.objects.filter(pk=rules.pk).update(payment_timing=timing)
    elif timing == "at_booking":
        BillingSettings.objects.create(payment_timing=timing)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_credit_note_refund_state"),
        ("clinic", "0003_clinic_booking_policy"),
    ]

    operations = [migrations.RunPython(to_clinic, from_clinic)]
