"""Gapless numbering under real parallel issuers (PostgreSQL: separate connections)."""

import threading

import pytest
from django.db import connection

from carebook.accounts.tests.factories import StaffFactory
from carebook.billing.models import Invoice
from carebook.billing.services import invoice_issue
from carebook.billing.tests.factories import completed
from carebook.booking.tests.factories import bookable_calendar

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 20


def test_parallel_issuers_get_numbers_one_to_twenty_without_gaps_or_duplicates():
    cal = bookable_calendar()
    appointments = [completed(cal, days_ago=1 + i // 8, hour=9 + i % 8) for i in range(N)]
    staff = StaffFactory()
    barrier = threading.Barrier(N)
    errors = []

    def issue(appointment):
        try:
            barrier.wait(timeout=30)
            invoice_issue(appointment=appointment, by=staff)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(a,)) for a in appointments]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    numbers = sorted(Invoice.objects.values_list("sequence_number", flat=True))
    assert numbers == list(range(1, N + 1))
    assert Invoice.objects.values("number").distinct().count() == N


def test_parallel_issues_of_one_appointment_make_one_invoice():
    appointment = completed()
    staff = StaffFactory()
    barrier = threading.Barrier(8)
    got = []

    def issue():
        try:
            barrier.wait(timeout=30)
            got.append(invoice_issue(appointment=appointment, by=staff).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(set(got)) == 1 and len(got) == 8
    assert Invoice.objects.get().sequence_number == 1


class InsertFailed(Exception):
    pass


def test_a_rolled_back_issue_does_not_consume_a_number(monkeypatch):
    a, b = completed(), completed()
    staff = StaffFactory()
    real_create = Invoice.objects.create

    def fail(**kwargs):
        raise InsertFailed

    # The number is taken, then the insert fails: the transaction rolls both back.
    monkeypatch.setattr(Invoice.objects, "create", fail)
    with pytest.raises(InsertFailed):
        invoice_issue(appointment=a, by=staff)
    monkeypatch.setattr(Invoice.objects, "create", real_create)
    assert not Invoice.objects.exists()
    assert invoice_issue(appointment=b, by=staff).sequence_number == 1
    assert invoice_issue(appointment=a, by=staff).sequence_number == 2
