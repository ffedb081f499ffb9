"""The security log: one row per security event, append-only in the database, emptied only by
`purge_security_log` (which leaves its own row). Runs on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from carebook.accounts.tests.factories import PatientFactory
from carebook.core.security_log import (
    SecurityEvent,
    SecurityLogPurge,
    door_of,
    security_event,
)

pytestmark = pytest.mark.django_db
Kind = SecurityEvent.Kind
TABLE = SecurityEvent._meta.db_table


def events(n=1, *, at=None):
    extra = {"at": at} if at else {}
    return [
        SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, email=f"x{i}@example.com", **extra)
        for i in range(n)
    ]


def refused(call):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        call()


def test_an_event_keeps_who_from_where_and_which_door():
    user = PatientFactory()
    request = RequestFactory().post(
        "/api/v1/auth/token", HTTP_USER_AGENT="x" * 400, REMOTE_ADDR="203.0.113.9"
    )
    event = security_event(kind="login", user=user, request=request, detail="token")
    event.refresh_from_db()
    assert (event.kind, event.user, event.email, event.ip, event.door, event.detail) == (
        Kind.LOGIN,
        user,
        user.email.lower(),
        "203.0.113.9",
        "rest",
        "token",
    )
    assert len(event.user_agent) == 300


def test_a_failure_keeps_the_email_as_typed_lowercased_and_no_user():
    request = RequestFactory().post("/accounts/login/")
    request.client_ip = "198.51.100.1"
    event = security_event(
        kind="login_failed", user=AnonymousUser(), email=" Nobody@Example.COM ", request=request
    )
    assert (event.user, event.email, event.ip, event.door) == (
        None,
        "nobody@example.com",
        "198.51.100.1",
        "web",
    )


def test_without_a_request_there_is_no_door_or_address():
    event = security_event(kind="suspended", user=PatientFactory(), detail="by staff 1")
    assert (event.door, event.ip, event.user_agent) == ("", None, "")


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        security_event(kind="hacked")


@pytest.mark.parametrize(
    "path,door",
    [("/api/v1/me", "rest"), ("/fhir/R4/Slot", "fhir"), ("/admin/login/", "admin"), ("/", "web")],
)
def test_the_door_comes_from_the_path(path, door):
    assert door_of(path) == door


def test_update_is_refused_through_the_orm_and_raw_sql():
    (row,) = events()
    row.detail = "forged"
    refused(row.save)
    refused(lambda: SecurityEvent.objects.filter(pk=row.pk).update(detail="forged"))
    with connection.cursor() as cursor:
        refused(lambda: cursor.execute(f"UPDATE {TABLE} SET detail = 'x' WHERE id = %s", [row.pk]))
    row.refresh_from_db()
    assert row.detail == ""


def test_delete_is_refused_through_the_orm_and_raw_sql():
    (row,) = events()
    refused(row.delete)
    refused(SecurityEvent.objects.all().delete)
    with connection.cursor() as cursor:
        refused(lambda: cursor.execute(f"DELETE FROM {TABLE}"))
    assert SecurityEvent.objects.filter(pk=row.pk).exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_is_refused_on_postgresql():
    events()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        refused(lambda: cursor.execute(f"TRUNCATE {TABLE}"))
    assert SecurityEvent.objects.exists()


def test_a_finished_purge_opens_no_window():
    (row,) = events()
    SecurityLogPurge.objects.create(
        cutoff=datetime(9000, 1, 1, tzinfo=UTC), ran_by="someone", finished_at=datetime.now(UTC)
    )
    refused(row.delete)


def test_purge_deletes_only_events_before_the_cutoff_and_leaves_its_own_row():
    old = events(2, at=datetime(2024, 1, 1, tzinfo=UTC))
    recent = events(1)
    call_command("purge_security_log", "--before", "2025-01-01", stdout=StringIO())
    assert list(SecurityEvent.objects.values_list("pk", flat=True)) == [recent[0].pk]
    assert not SecurityEvent.objects.filter(pk__in=[r.pk for r in old]).exists()
    purge = SecurityLogPurge.objects.get()
    assert purge.cutoff == datetime(2025, 1, 1, tzinfo=UTC)
    assert purge.deleted == 2 and purge.finished_at is not None and purge.ran_by
    # The window closed with the command.
    refused(recent[0].delete)


def test_purge_refuses_a_date_in_the_future_or_not_a_date():
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    for before in (tomorrow, "last week"):
        with pytest.raises(CommandError):
            call_command("purge_security_log", "--before", before)
    assert not SecurityLogPurge.objects.exists()


def test_flush_still_empties_the_database():
    events(3)
    security_event(kind="login", user=PatientFactory())
    if connection.vendor == "postgresql":
        # Run the deferred foreign-key checks of the rows just added: TRUNCATE needs none pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert not SecurityEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_still_flush_the_log_between_tests():
    # The flush after this test (pytest-django's teardown) must get past the triggers.
    events(2)
    security_event(kind="login", user=PatientFactory())
    assert SecurityEvent.objects.count() == 3
