import os

import pytest
from django.db import connection

EXPECT_POSTGRES = os.environ.get("CAREBOOK_EXPECT_POSTGRES") == "1"


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if EXPECT_POSTGRES and not on_postgres:
        raise pytest.UsageError("CAREBOOK_EXPECT_POSTGRES=1 but DATABASE_URL is not PostgreSQL.")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture
def vendor():
    return connection.vendor


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is deliberately slow; tests that check hashing ask for it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _sent_journal_per_test(settings, tmp_path):
    """Each test its own journal of accepted messages (ids repeat across test databases)."""
    settings.CAREBOOK_SENT_JOURNAL_DIR = tmp_path / "sent"
