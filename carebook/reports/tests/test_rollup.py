"""The visits and money rollups: kept current by the task queue through every change the
services make, equal to a rebuild from scratch, and added up the same from months as days."""

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.api.tests.conftest import book, local_start
from carebook.billing import ledger
from carebook.billing.services import credit_note_issue, payment_record
from carebook.billing.tests.factories import RecordingGateway, issued_invoice, paid_booking
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_cancel,
    appointment_confirm,
    appointment_reject,
    appointment_reschedule,
)
from carebook.booking.tests.factories import appointment_row, bookable_calendar
from carebook.core.tests.tasks import run_worker
from carebook.reports.models import MoneyRollup, VisitRollup
from carebook.reports.money import money_rebuild
from carebook.reports.rollup import rollup_rebuild
from carebook.reports.selectors import STATUSES, ReportFilters, appointment_counts, rollup_span
from carebook.reports.tasks import rollup_refresh_visit

pytestmark = pytest.mark.django_db
S = Appointment.Status


def snapshot() -> Counter:
    fields = [f.attname for f in VisitRollup._meta.concrete_fields if f.name != "id"]
    return Counter(VisitRollup.objects.values_list(*fields))


def test_every_change_through_the_services_keeps_the_rollup_equal_to_a_rebuild():
    cal = bookable_calendar(cutoff_hours=24)
    staff = StaffFactory()
    people = [PatientFactory() for _ in range(4)]
    rng = random.Random(7)
    visits = [book(cal, people[i % 4], local_start(2 + i // 6, 9 + i % 6)) for i in range(12)]
    run_worker()
    booked = snapshot()
    rollup_rebuild()
    assert booked and snapshot() == booked
    for step, visit in enumerate(visits):
        visit.refresh_from_db()
        action = rng.choice(["confirm", "reject", "cancel", "move", "keep"])
        if action == "confirm":
            appointment_confirm(appointment=visit, by=cal.practitioner.user)
        elif action == "reject":
            appointment_reject(appointment=visit, by=cal.practitioner.user, reason="Full")
        elif action == "cancel":
            appointment_cancel(appointment=visit, by=rng.choice([staff, visit.patient]))
        elif action == "move":
            appointment_reschedule(appointment=visit, start=local_start(9, 9 + step % 6), by=staff)
    run_worker()
    kept = snapshot()
    assert kept != booked
    rollup_rebuild()
    assert snapshot() == kept, "the task-kept rollup differs from a rebuild"


def test_a_change_that_rolls_back_leaves_no_task_behind():
    cal = bookable_calendar()
    visit = book(cal, PatientFactory(), local_start(2, 9))
    run_worker()
    with pytest.raises(RuntimeError), transaction.atomic():
        appointment_confirm(appointment=visit, by=cal.practitioner.user)
        raise RuntimeError("the request failed after the change")
    assert not DBTaskResult.objects.ready().filter(task_path__endswith="rollup_refresh_visit")


def test_the_refresh_is_safe_to_run_again_and_in_any_order():
    cal = bookable_calendar()
    first = book(cal, PatientFactory(), local_start(2, 9))
    second = book(cal, PatientFactory(), local_start(2, 10))
    appointment_cancel(appointment=first, by=first.patient)
    for pk in (second.pk, first.pk, second.pk, first.pk):
        rollup_refresh_visit.call(appointment_id=pk)
    counts = {r["status"]: r["visits"] for r in VisitRollup.objects.filter(grain="D").values()}
    assert counts == {S.REQUESTED: 1, S.CANCELLED: 1}
    month = VisitRollup.objects.filter(grain="M")
    assert sorted(month.values_list("status", "visits")) == [(S.CANCELLED, 1), (S.REQUESTED, 1)]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=st.integers(0, 120), length=st.integers(0, 150))
def test_whole_months_from_month_rows_add_up_as_the_days_do(world_of_days, first, length):
    start = date(2025, 12, 20) + timedelta(days=first)
    end = start + timedelta(days=length)
    by_month = appointment_counts(start=start, end=end, group_by="month", filters=ReportFilters())
    days = VisitRollup.objects.filter(rollup_span(start, end, by_day=True))
    expected: dict = {}
    for day, status, n in days.values_list("day", "status", "visits"):
        key = day.replace(day=1)
        expected.setdefault(key, Counter())[status] += n
    assert {k: dict(v) for k, v in by_month.items()} == {k: dict(v) for k, v in expected.items()}
    span = VisitRollup.objects.filter(rollup_span(start, end))
    assert all(start <= r.day <= end or r.grain == "M" for r in span)


@pytest.fixture
def world_of_days():
    """Visits every other day over seven months, in every counted status."""
    cal = bookable_calendar()
    patient = PatientFactory()
    base = local_start(0, 9).replace(year=2025, month=12, day=1)
    for i in range(0, 214, 2):
        appointment_row(cal, patient, base + timedelta(days=i), status=STATUSES[i % len(STATUSES)])
    rollup_rebuild()


def money_snapshot() -> Counter:
    fields = [f.attname for f in MoneyRollup._meta.concrete_fields if f.name != "id"]
    return Counter(MoneyRollup.objects.values_list(*fields))


def test_every_money_change_keeps_the_money_rollup_equal_to_a_rebuild(monkeypatch):
    monkeypatch.setattr(ledger, "provider_get", lambda: RecordingGateway())
    staff = StaffFactory()
    unpaid = issued_invoice()
    paid = paid_booking().invoice
    part = issued_invoice()
    run_worker()
    issued = money_snapshot()
    assert sum(r.invoices for r in MoneyRollup.objects.filter(grain="D")) == 3
    payment_record(invoice=part, method="cash", by=staff, amount=part.total / 2)
    credit_note_issue(invoice=paid, amount=Decimal("100.00"), reason="Goodwill", by=staff)
    run_worker()
    kept = money_snapshot()
    assert kept != issued
    money_rebuild()
    assert money_snapshot() == kept, "the task-kept money rollup differs from a rebuild"
    owed = MoneyRollup.objects.filter(grain="M").aggregate(s=Sum("outstanding"))["s"]
    assert owed == unpaid.total + part.total - part.total / 2
