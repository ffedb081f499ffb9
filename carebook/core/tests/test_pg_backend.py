"""The PostgreSQL backend skips the health check of a connection that answered a moment ago,
and prepares on the server what a connection repeats."""

import time
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


def use(conn, *, fail=False):
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1")
        if fail:
            with pytest.raises(DatabaseError):
                cursor.execute("SELECT * FROM no_such_table")


def request(conn, *, fail=False):
    """One request's life as Django's request signals drive it."""
    conn.close_if_unusable_or_obsolete()  # request_started
    use(conn, fail=fail)
    conn.close_if_unusable_or_obsolete()  # request_finished


def later(seconds):
    """The backend's clock, `seconds` ahead (Django's own, for CONN_MAX_AGE, is left alone)."""
    return mock.patch.object(base, "clock", lambda: time.monotonic() + seconds)


def checks(conn, alive=True):
    return mock.patch.object(conn, "is_usable", return_value=alive)


def test_the_backend_is_the_one_configured(conn):
    assert isinstance(conn, base.DatabaseWrapper)
    assert conn.health_check_enabled


def test_a_connection_that_answered_a_moment_ago_is_not_checked(conn):
    request(conn)
    kept = conn.connection
    with checks(conn) as check:
        request(conn)
        request(conn)
    assert check.call_count == 0
    assert conn.connection is kept


def test_an_idle_connection_is_checked_and_kept_when_alive(conn):
    request(conn)
    kept = conn.connection
    with checks(conn) as check, later(2):
        request(conn)
        request(conn)  # it has just answered again
    assert check.call_count == 1
    assert conn.connection is kept


def test_an_idle_connection_is_checked_and_replaced_when_dead(conn):
    request(conn)
    dead = conn.connection
    with checks(conn, alive=False) as check, later(2):
        request(conn)
    assert check.call_count == 1
    assert conn.connection is not dead


def test_trust_runs_from_the_last_statement_not_from_the_boundary(conn):
    # A task worker's heartbeat: used, then a boundary seconds later, then used again.
    request(conn)
    use(conn)
    with checks(conn) as check, later(2):
        conn.close_if_unusable_or_obsolete()
        use(conn)
    assert check.call_count == 1


def test_after_a_database_error_the_connection_is_replaced_unchecked(conn):
    request(conn)
    failed = conn.connection
    with checks(conn) as check:
        request(conn, fail=True)
        assert conn.connection is None
        request(conn)
    assert check.call_count == 0  # a new connection needs no check
    assert conn.connection is not failed


def test_a_statement_a_connection_repeats_is_prepared_on_the_server(conn):
    if not conn.features.uses_server_side_binding:
        pytest.skip("CAREBOOK_DB_SERVER_SIDE_BINDING=0: parameters are bound on the client")
    # Django's own default (prepare_threshold None) would never prepare it.
    with conn.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT count(*) FROM django_migrations WHERE app = %s", ["core"])
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("django_migrations" in sql for sql in prepared)


def test_server_side_binding_is_the_default_and_can_be_turned_off(monkeypatch):
    from carebook.settings import postgresql

    monkeypatch.delenv("CAREBOOK_DB_SERVER_SIDE_BINDING", raising=False)
    assert postgresql({})["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    monkeypatch.setenv("CAREBOOK_DB_SERVER_SIDE_BINDING", "0")
    assert "server_side_binding" not in postgresql({}).get("OPTIONS", {})


def plan_cache_mode():
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_reports_plan_each_statement_for_its_values_and_nothing_else_does():
    from carebook.core.db import planned_for_values

    custom = "force_custom_plan" if connection.features.uses_server_side_binding else "auto"
    assert plan_cache_mode() == "auto"
    with planned_for_values():
        assert plan_cache_mode() == custom
        with planned_for_values():  # nested: no second transaction
            assert connection.savepoint_ids == []
            assert plan_cache_mode() == custom
    assert plan_cache_mode() == "auto"
