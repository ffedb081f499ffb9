"""ApiToken (to accounts) and IdempotencyRecord (to core) change owner without losing a row."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from carebook.accounts.tokens import token_digest, token_get_live
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db(transaction=True)

MOVED = {"api", "accounts", "core"}
BEFORE = [
    ("api", "0001_tokens_and_idempotency"),
    ("accounts", "0002_failedlogin"),
    ("core", "0002_access_log_append_only"),
]
AFTER = [
    ("api", "0002_models_moved_out"),
    ("accounts", "0003_apitoken_from_api"),
    ("core", "0003_idempotencyrecord_from_api"),
]
RAW = "cb_" + "k" * 43


def migrate(targets):
    """Move the three apps to `targets`, every other app staying at its latest migration."""
    executor = MigrationExecutor(connection)
    others = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in MOVED]
    executor.migrate([*targets, *others])
    executor.loader.build_graph()
    return executor.loader.project_state([*targets, *others]).apps


def migrate_latest():
    """Every app at its latest migration, as the rest of the suite expects."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_tokens_and_idempotency_records_survive_the_move_and_back():
    old = migrate(BEFORE)
    user = old.get_model("accounts", "User").objects.create(email="a@carebook.test", full_name="A")
    old.get_model("api", "ApiToken").objects.create(
        user_id=user.pk,
        prefix=RAW[:12],
        digest=token_digest(RAW),
        expires_at=utcnow() + timedelta(days=1),
    )
    old.get_model("api", "IdempotencyRecord").objects.create(
        user_id=user.pk, key="k-1", request_hash="h", state="done", response_status=201
    )
    # A database from before the move knows the token's content type under the api app.
    ContentType.objects.filter(app_label="accounts", model="apitoken").update(app_label="api")

    new = migrate(AFTER)
    assert new.get_model("accounts", "ApiToken").objects.get().digest == token_digest(RAW)
    assert new.get_model("core", "IdempotencyRecord").objects.get().key == "k-1"
    assert ContentType.objects.filter(app_label="accounts", model="apitoken").exists()
    migrate_latest()  # the live models need every later column of the user
    assert token_get_live(raw=RAW, now=utcnow()).user.email == "a@carebook.test"

    back = migrate(BEFORE)
    assert back.get_model("api", "ApiToken").objects.count() == 1
    assert back.get_model("api", "IdempotencyRecord").objects.count() == 1
    assert ContentType.objects.filter(app_label="api", model="apitoken").exists()
    migrate_latest()
