"""The clinical access log: one row per read by someone else, append-only in the database,
emptied only by `purge_access_log` (which leaves its own row). Runs on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.core.access_log import AccessLog, AccessLogPurge, access_log_record

pytestmark = pytest.mark.django_db
What, Door = AccessLog.What, AccessLog.Door
TABLE = AccessLog._meta.db_table


def rows(n=1, *, at=None):
    staff, patient = StaffFactory(), PatientFactory()
    extra = {"at": at} if at else {}
    return [
        AccessLog.objects.create(
            by=staff, patient=patient, what=What.RECORD, object_id=i, door=Door.WEB, **extra
        )
        for i in range(n)
    ]


def refused(call):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        call()


def test_one_row_per_object_read_and_none_for_the_patient_themself():
    staff, patient = StaffFactory(), PatientFactory()
    access_log_record(by=staff, patient_id=patient.pk, what=What.DOCUMENT, ids=[4, 5], door="rest")
    access_log_record(by=patient, patient_id=patient.pk, what=What.DOCUMENT, door="web")
    assert list(AccessLog.objects.values_list("by", "what", "object_id", "door")) == [
        (staff.pk, What.DOCUMENT, 5, Door.REST),
        (staff.pk, What.DOCUMENT, 4, Door.REST),
    ]


def test_an_unknown_door_is_a_programming_error():
    with pytest.raises(ValueError):
        access_log_record(
            by=StaffFactory(), patient_id=PatientFactory().pk, what=What.RECORD, door="fax"
        )


def test_update_is_refused_through_the_orm_and_raw_sql():
    (row,) = rows()
    row.path = "/forged/"
    refused(row.save)
    refused(lambda: AccessLog.objects.filter(pk=row.pk).update(path="/forged/"))
    with connection.cursor() as cursor:
        refused(lambda: cursor.execute(f"UPDATE {TABLE} SET path = 'x' WHERE id = %s", [row.pk]))
    row.refresh_from_db()
    assert row.path == ""


def test_delete_is_refused_through_the_orm_and_raw_sql():
    (row,) = rows()
    refused(row.delete)
    refused(AccessLog.objects.all().delete)
    with connection.cursor() as cursor:
        refused(lambda: cursor.execute(f"DELETE FROM {TABLE}"))
    assert AccessLog.objects.filter(pk=row.pk).exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncate_is_refused_on_postgresql():
    rows()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        refused(lambda: cursor.execute(f"TRUNCATE {TABLE}"))
    assert AccessLog.objects.exists()


def test_a_finished_purge_opens_no_window():
    (row,) = rows()
    AccessLogPurge.objects.create(
        cutoff=datetime(9000, 1, 1, tzinfo=UTC),
        ran_by="someone",
        finished_at=datetime.now(UTC),
    )
    refused(row.delete)


def test_purge_deletes_only_rows_before_the_cutoff_and_leaves_its_own_row():
    old = rows(2, at=datetime(2024, 1, 1, tzinfo=UTC))
    recent = rows(1)
    call_command("purge_access_log", "--before", "2025-01-01")
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent[0].pk]
    assert not AccessLog.objects.filter(pk__in=[r.pk for r in old]).exists()
    purge = AccessLogPurge.objects.get()
    assert purge.cutoff == datetime(2025, 1, 1, tzinfo=UTC)
    assert purge.deleted == 2 and purge.finished_at is not None and purge.ran_by
    # The window closed with the command.
    refused(recent[0].delete)


def test_purge_refuses_a_date_in_the_future():
    from django.core.management.base import CommandError

    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    with pytest.raises(CommandError):
        call_command("purge_access_log", "--before", tomorrow)
    assert not AccessLogPurge.objects.exists()


def test_flush_still_empties_the_database():
    rows(3)
    if connection.vendor == "postgresql":
        # Run the deferred foreign-key checks of the rows just added: TRUNCATE needs none pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert not AccessLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_still_flush_the_log_between_tests():
    # The flush after this test (pytest-django's teardown) must get past the triggers.
    rows(2)
    assert AccessLog.objects.count() == 2
