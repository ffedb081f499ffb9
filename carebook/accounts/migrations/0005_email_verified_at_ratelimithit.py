import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Accounts that exist now count as verified (the default fills them); rate-limit counters."""

    dependencies = [
        ("accounts", "0004_user_session_epoch"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(
                blank=True,
                default=django.utils.timezone.now,
                null=True,
                verbose_name="email verified",
            ),
        ),
        migrations.CreateModel(
            name="RateLimitHit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(max_length=32)),
                ("key", models.CharField(max_length=254)),
                ("at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "rate-limit hit",
                "ordering": ["-at"],
                "indexes": [
                    models.Index(fields=["scope", "key", "at"], name="ratelimithit_scope_key_at")
                ],
            },
        ),
    ]
