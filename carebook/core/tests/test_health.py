from unittest import mock

import pytest
from django.db.utils import OperationalError


@pytest.mark.django_db
def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client):
    with mock.patch("carebook.core.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_database_is_configured_for_safe_concurrency():
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
        assert "synchronous=FULL" in db["OPTIONS"]["init_command"]
    else:
        assert db["ENGINE"] == "carebook.core.backends.postgresql"
        assert db["CONN_HEALTH_CHECKS"]


def test_passwords_are_hashed_with_argon2():
    from django.conf import settings as django_settings
    from django.test import override_settings

    # The suite swaps in a fast hasher; the shipped setting must start with Argon2.
    from carebook import settings as shipped

    assert shipped.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=shipped.PASSWORD_HASHERS):
        from django.contrib.auth.hashers import make_password

        assert make_password("s3cret-pass").startswith("argon2$")
    assert django_settings.AUTH_USER_MODEL == "accounts.User"
