"""The PostgreSQL backend skips the health check of a connection that answered a moment ago."""

from unittest import mock

import pytest
from django.db import DatabaseError, connection, connections

from carebook.core.backends.postgresql import base

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


@pytest.fixture
def conn():
    # A connection of its own, in autocommit like a web worker's (the test's is in a transaction).
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def request(conn, *, fail=False):
    """One request's life as Django's request signals drive it."""
    conn.close_if_unusable_or_obsolete()  # request_started
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1")
        if fail:
            with pytest.raises(DatabaseError):
                cursor.execute("SELECT * FROM no_such_table")
    conn.close_if_unusable_or_obsolete()  # request_finished


def test_the_backend_is_the_one_configured(conn):
    assert isinstance(conn, base.DatabaseWrapper)
    assert conn.health_check_enabled


def later(seconds):
    return mock.patch.object(base.time, "monotonic", return_value=base.time.monotonic() + seconds)


def test_a_connection_that_answered_a_moment_ago_is_not_checked(conn):
    request(conn)
    with mock.patch.object(conn, "is_usable", return_value=True) as check:
        request(conn)
        request(conn)
    assert check.call_count == 0


def test_an_idle_connection_is_checked_and_kept_when_alive(conn):
    request(conn)
    with mock.patch.object(conn, "is_usable", return_value=True) as check, later(2):
        kept = conn.connection
        request(conn)
        request(conn)  # it has just answered again
    assert check.call_count == 1
    assert conn.connection is kept


def test_an_idle_connection_is_checked_and_replaced_when_dead(conn):
    request(conn)
    with mock.patch.object(conn, "is_usable", return_value=False) as check, later(2):
        dead = conn.connection
        request(conn)
    assert check.call_count == 1
    assert conn.connection is not dead


def test_a_request_that_met_a_database_error_vouches_for_nothing(conn):
    request(conn)
    with mock.patch.object(conn, "is_usable", return_value=True) as check, later(2):
        request(conn, fail=True)  # checked first (idle), then by Django after the error
        assert check.call_count == 2
        request(conn)  # so still idle since the last good request: checked
    assert check.call_count == 3


def test_a_statement_a_connection_repeats_is_prepared_on_the_server(conn):
    # Django's own default (prepare_threshold None) would never prepare it.
    with conn.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT count(*) FROM django_migrations WHERE app = %s", ["core"])
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("django_migrations" in sql for sql in prepared)


def test_binding_on_the_client_prepares_nothing(monkeypatch):
    from carebook.settings import postgresql

    monkeypatch.delenv("CAREBOOK_DB_SERVER_SIDE_BINDING", raising=False)
    assert postgresql({})["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    monkeypatch.setenv("CAREBOOK_DB_SERVER_SIDE_BINDING", "0")
    assert "server_side_binding" not in postgresql({}).get("OPTIONS", {})
