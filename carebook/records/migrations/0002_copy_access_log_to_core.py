"""Copy the records access log into core's AccessLog (every clinical read, every door)."""

from django.db import migrations

WHAT = {
    "notes": "note",
    "prescription": "prescription",
    "medical_record": "record",
    "document": "document",
    "admissions": "admission",
}
BATCH = 2000


def _door(path: str) -> str:
    if path.startswith("/api/"):
        return "rest"
    if path.startswith("/fhir/"):
        return "fhir"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


def copy_forward(apps, schema_editor):
    Old = apps.get_model("records", "AccessLogEntry")
    New = apps.get_model("core", "AccessLog")
    rows = Old.objects.order_by("pk").iterator(chunk_size=BATCH)
    batch = []
    for old in rows:
        batch.append(
            New(
                at=old.at,
                by_id=old.by_id,
                patient_id=old.patient_id,
                what=WHAT.get(old.what, old.what),
                object_id=old.object_id,
                door=_door(old.path),
                path=old.path,
            )
        )
        if len(batch) >= BATCH:
            New.objects.bulk_create(batch)
            batch = []
    New.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    Old = apps.get_model("records", "AccessLogEntry")
    New = apps.get_model("core", "AccessLog")
    back = {new: old for old, new in WHAT.items()}
    # The old field stamped `at` itself; this historical copy of it must keep the read's time.
    Old._meta.get_field("at").auto_now_add = False
    Old.objects.bulk_create(
        Old(
            at=row.at,
            by_id=row.by_id,
            patient_id=row.patient_id,
            what=back[row.what],
            object_id=row.object_id,
            path=row.path,
        )
        for row in New.objects.filter(what__in=back).order_by("pk").iterator(chunk_size=BATCH)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_notes_prescriptions_records_admissions_reviews"),
        ("core", "0002_access_log_append_only"),
    ]

    operations = [migrations.RunPython(copy_forward, copy_back)]
