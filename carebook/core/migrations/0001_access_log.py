import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AccessLogPurge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("cutoff", models.DateTimeField(verbose_name="rows read before")),
                ("ran_by", models.CharField(max_length=150, verbose_name="run by")),
                (
                    "started_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="started"),
                ),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="finished"),
                ),
                (
                    "deleted",
                    models.PositiveBigIntegerField(
                        blank=True, null=True, verbose_name="rows deleted"
                    ),
                ),
            ],
            options={
                "verbose_name": "access log purge",
                "ordering": ["-started_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="AccessLog",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="at"
                    ),
                ),
                (
                    "what",
                    models.CharField(
                        choices=[
                            ("record", "Medical record"),
                            ("document", "Document"),
                            ("note", "Session notes"),
                            ("prescription", "Prescription"),
                            ("pdf", "Prescription PDF"),
                            ("admission", "Admissions"),
                            ("appointment_reason", "Appointment reason"),
                            ("patient_profile", "Patient profile"),
                        ],
                        max_length=32,
                        verbose_name="what",
                    ),
                ),
                ("object_id", models.PositiveBigIntegerField(blank=True, null=True)),
                (
                    "door",
                    models.CharField(
                        choices=[
                            ("web", "Web pages"),
                            ("rest", "REST API"),
                            ("fhir", "FHIR API"),
                            ("admin", "Admin site"),
                        ],
                        max_length=8,
                        verbose_name="door",
                    ),
                ),
                ("path", models.CharField(blank=True, max_length=300)),
                (
                    "by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="clinical_reads",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "clinical access",
                "verbose_name_plural": "clinical access log",
                "ordering": ["-at", "-id"],
                "indexes": [
                    models.Index(fields=["at"], name="accesslog_at"),
                    models.Index(fields=["patient", "-at"], name="accesslog_patient_at"),
                    models.Index(fields=["by", "-at"], name="accesslog_by_at"),
                ],
            },
        ),
    ]
