"""Fill clinic.Practitioner.rating_average/rating_count from the visible reviews; from now on
the review services keep them current."""

from decimal import Decimal

from django.db import migrations
from django.db.models import Avg, Count


def backfill(apps, schema_editor):
    Practitioner = apps.get_model("clinic", "Practitioner")
    Review = apps.get_model("records", "Review")
    rows = (
        Review.objects.filter(hidden_at__isnull=True)
        .values("practitioner_id")
        .annotate(avg=Avg("rating"), n=Count("pk"))
        .order_by()
    )
    Practitioner.objects.update(rating_average=None, rating_count=0)
    for row in rows:
        Practitioner.objects.filter(pk=row["practitioner_id"]).update(
            rating_average=Decimal(str(row["avg"])).quantize(Decimal("0.01")),
            rating_count=row["n"],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0003_delete_accesslogentry"),
        ("clinic", "0004_practitioner_rating"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
