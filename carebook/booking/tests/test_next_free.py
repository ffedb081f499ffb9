"""The stored next free start and free days (`NextFree`) against the engine, after any change."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.availability import free_time, next_free_slots, slots_free
from carebook.booking.directory import DirectoryFilters, practitioner_search
from carebook.booking.models import Appointment, NextFree
from carebook.booking.next_free import free_on, next_free_compute, next_free_order
from carebook.booking.services import (
    appointment_book,
    appointment_cancel,
    appointment_hold,
    holds_expire,
)
from carebook.booking.tasks import SWEEP_PATH
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.tests.factories import LocationFactory, ServiceFactory
from carebook.core.errors import DomainError
from carebook.core.tests.tasks import run_worker
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff
from carebook.scheduling.tests.factories import WindowFactory

pytestmark = pytest.mark.django_db

# Berlin moves its clocks on 2026-03-29, New York did on 03-08: the days cross a DST change.
START = datetime(2026, 3, 26, 6, 0, tzinfo=UTC)


def world():
    """Two practitioners: one in Bengaluru, one working in Berlin and in New York."""
    one = bookable_calendar(time_zone="Asia/Kolkata", duration=30, step=30, min_notice=60)
    two = bookable_calendar(time_zone="Europe/Berlin", duration=45, step=15, buffer_after=15)
    new_york = LocationFactory(time_zone="America/New_York")
    for weekday in (1, 3, 5):
        AvailabilityWindow.objects.filter(practitioner=two.practitioner, weekday=weekday).delete()
        WindowFactory(
            practitioner=two.practitioner,
            location=new_york,
            weekday=weekday,
            start_time=time(8),
            end_time=time(12),
        )
    return [one, two], [None, one.location.pk, two.location.pk, new_york.pk]


ZONES = ["Asia/Kolkata", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "UTC"]

changes = st.one_of(
    st.tuples(st.just("book"), st.integers(0, 1), st.integers(0, 9), st.integers(0, 40)),
    st.tuples(st.just("hold"), st.integers(0, 1), st.integers(0, 9), st.integers(0, 40)),
    st.tuples(st.just("cancel"), st.integers(0, 1), st.integers(0, 20)),
    st.tuples(st.just("time_off"), st.integers(0, 1), st.integers(0, 9), st.integers(1, 30)),
    st.tuples(st.just("drop_time_off"), st.integers(0, 1)),
    st.tuples(st.just("drop_window"), st.integers(0, 1), st.integers(0, 6)),
    st.tuples(st.just("rules"), st.integers(0, 1), st.integers(0, 600), st.integers(1, 10)),
    st.tuples(st.just("service"), st.integers(0, 1), st.sampled_from([15, 30, 60, 120])),
    st.tuples(st.just("wait"), st.integers(1, 60 * 30)),
    st.tuples(st.just("expire_holds"), st.integers(0, 1)),
    st.tuples(st.just("add_window"), st.integers(0, 1), st.integers(0, 6), st.integers(6, 18)),
    st.tuples(st.just("location_zone"), st.integers(0, 1), st.sampled_from(ZONES)),
    st.tuples(st.just("location_closed"), st.integers(0, 1), st.booleans()),
)


def apply(change, cals, patients, staff, now):
    """Make one change through the services (or the ORM, as the admin would); None if refused.

    Each kind is something that can move a next free start: booking, cancelling, holding and
    a hold's expiry, hours, time off, rules, services, a location's zone or closing, and time.
    """
    kind, who, *args = change
    cal = cals[who] if kind != "wait" else None
    if kind in ("book", "hold"):
        day, pick = args[0], args[1]
        local = (now + timedelta(days=day)).date()
        free = slots_free(
            practitioner=cal.practitioner,
            service=cal.service,
            start_date=local,
            end_date=local,
            now=now,
        )
        if not free:
            return
        slot = free[pick % len(free)]
        action = appointment_book if kind == "book" else appointment_hold
        try:
            action(
                patient=patients[pick % len(patients)],
                practitioner=cal.practitioner,
                service=cal.service,
                location=next(
                    w.location
                    for w in AvailabilityWindow.objects.filter(
                        practitioner=cal.practitioner, location_id=slot.location_id
                    )
                ),
                start=slot.start,
                mode="in_person",
                by=staff,
                now=now,
            )
        except DomainError:
            pass
    elif kind == "cancel":
        active = list(
            Appointment.objects.filter(
                practitioner=cal.practitioner, status__in=Appointment.ACTIVE_STATUSES
            ).order_by("pk")
        )
        if active:
            try:
                appointment_cancel(appointment=active[args[0] % len(active)], by=staff, now=now)
            except DomainError:
                pass
    elif kind == "time_off":
        start = now + timedelta(days=args[0], hours=1)
        TimeOff.objects.create(
            practitioner=cal.practitioner, start=start, end=start + timedelta(hours=args[1])
        )
    elif kind == "drop_time_off":
        found = TimeOff.objects.filter(practitioner=cal.practitioner).first()
        if found:
            found.delete()
    elif kind == "drop_window":
        found = AvailabilityWindow.objects.filter(
            practitioner=cal.practitioner, weekday=args[0]
        ).first()
        if found:
            found.delete()
    elif kind == "rules":
        rules = BookingRules.objects.get(practitioner=cal.practitioner)
        rules.min_notice_minutes, rules.max_days_ahead = args
        rules.save()
    elif kind == "service":
        cal.service.duration_minutes = args[0]
        cal.service.save()
    elif kind == "expire_holds":
        holds_expire(now=now)
    elif kind == "add_window":
        weekday, hour = args
        WindowFactory(
            practitioner=cal.practitioner,
            location=cal.location,
            weekday=weekday,
            start_time=time(hour),
            end_time=time(hour + 3),
        )
    elif kind == "location_zone":
        cal.location.time_zone = args[0]
        cal.location.save()
    elif kind == "location_closed":
        cal.location.is_active = not args[0]
        cal.location.save()


def assert_stored_is_exact(cals, keys, now):
    ids = [cal.practitioner.pk for cal in cals]
    rows = {row.pk: row for row in NextFree.objects.filter(pk__in=ids)}
    assert set(rows) == set(ids)
    assert all(row.fresh_until > now for row in rows.values()), "a stale row was not swept"
    exact = next_free_compute(ids, now=now)
    for pid, row in rows.items():
        assert (row.start, row.location_id) == (
            exact[pid]["start"],
            exact[pid]["location_id"],
        )
    engine = next_free_slots(practitioner_ids=ids, now=now)
    assert [rows[pid].start for pid in ids] == [s.start if s else None for s in engine.values()]
    for offset in range(-1, 13):
        day = (now + timedelta(days=offset)).date()
        live = free_time(ids, first_day=day - timedelta(days=1), last_day=day, now=now)
        for key in keys:
            expected = {pid for pid in ids if day in live[pid].days.get(key, ())}
            assert free_on(ids, day, now=now, location_id=key) == expected, (day, key)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(changes, min_size=1, max_size=8))
def test_the_stored_value_matches_the_engine_after_any_changes(steps):
    DBTaskResult.objects.filter(task_path=SWEEP_PATH).delete()
    with time_machine.travel(START, tick=False) as clock:
        cals, keys = world()
        patients = [PatientFactory() for _ in range(3)]
        staff = StaffFactory()
        run_worker()
        now = START
        for step in steps:
            if step[0] == "wait":
                # Past the sweep's interval at least, so the rows time made stale are redone.
                now += timedelta(seconds=60 + step[1] * 60)
                clock.move_to(now)
            else:
                apply(step, cals, patients, staff, now)
            run_worker()
            assert_stored_is_exact(cals, keys, now)


def test_every_kind_of_change_enqueues_a_recompute_in_its_transaction():
    cal = bookable_calendar()
    pid = cal.practitioner.pk

    def queued():
        return [
            r.args_kwargs["kwargs"]["practitioner_ids"]
            for r in DBTaskResult.objects.filter(
                task_path="carebook.booking.tasks.next_free_refresh", status="READY"
            )
        ]

    run_worker()
    now = datetime.now(UTC)
    TimeOff.objects.create(
        practitioner=cal.practitioner, start=now + timedelta(days=1), end=now + timedelta(days=2)
    )
    cal.service.duration_minutes = 45
    cal.service.save()
    AvailabilityWindow.objects.filter(practitioner=cal.practitioner).first().delete()
    ServiceFactory(practitioner=cal.practitioner)
    assert queued() == [[pid]] * 4
    run_worker()
    assert queued() == []
    assert NextFree.objects.get(pk=pid).start == next_free_slots(practitioner_ids=[pid])[pid].start


def test_a_booking_moves_the_stored_start_once_the_task_has_run():
    with time_machine.travel(START, tick=False):
        cal = bookable_calendar(time_zone="UTC", start=time(9), end=time(10))
        pid = cal.practitioner.pk
        run_worker()
        first = NextFree.objects.get(pk=pid).start
        assert first == datetime(2026, 3, 26, 9, 0, tzinfo=UTC)
        appointment_book(
            patient=PatientFactory(),
            practitioner=cal.practitioner,
            service=cal.service,
            location=cal.location,
            start=first,
            mode="in_person",
            by=StaffFactory(),
            now=START,
        )
        assert NextFree.objects.get(pk=pid).start == first  # until the task runs
        run_worker()
        assert NextFree.objects.get(pk=pid).start == first + timedelta(minutes=30)


def test_an_expiring_hold_and_passing_notice_make_the_row_stale_and_readers_compute_it():
    with time_machine.travel(START, tick=False) as clock:
        cal = bookable_calendar(time_zone="UTC", start=time(9), end=time(10))
        pid = cal.practitioner.pk
        held = appointment_hold(
            patient=PatientFactory(),
            practitioner=cal.practitioner,
            service=cal.service,
            location=cal.location,
            start=datetime(2026, 3, 26, 9, 0, tzinfo=UTC),
            mode="in_person",
            by=StaffFactory(),
            now=START,
        )
        run_worker()
        row = NextFree.objects.get(pk=pid)
        assert row.start == datetime(2026, 3, 26, 9, 30, tzinfo=UTC)
        assert row.fresh_until == held.held_until
        clock.move_to(held.held_until)
        # Stale, and nothing has run: the reader computes it and writes nothing.
        with CaptureQueriesContext(connection) as queries:
            order = next_free_order(
                cal.practitioner.__class__.objects.filter(pk=pid), now=held.held_until
            )
        assert order == [pid]
        assert not [q for q in queries if not q["sql"].lstrip().upper().startswith(("SELECT", "("))]
        page, entries = practitioner_search(filters=DirectoryFilters(), now=held.held_until)
        assert entries[0].next_slot.start == datetime(2026, 3, 26, 9, 0, tzinfo=UTC)


def test_an_older_computation_never_overwrites_a_newer_one():
    from carebook.booking.next_free import next_free_store

    cal = bookable_calendar()
    pid = cal.practitioner.pk
    with time_machine.travel(START, tick=False):
        next_free_store([pid])
    newer = NextFree.objects.get(pk=pid)
    with time_machine.travel(START - timedelta(minutes=5), tick=False):
        next_free_store([pid])
    assert NextFree.objects.get(pk=pid).computed_at == newer.computed_at


def test_the_directory_sorts_on_the_stored_start_and_filters_on_the_stored_days():
    with time_machine.travel(START, tick=False):
        late = bookable_calendar(time_zone="UTC", start=time(15), end=time(16))
        early = bookable_calendar(time_zone="UTC", start=time(9), end=time(10))
        for weekday in range(7):
            if weekday != 4:  # early works Fridays only; 2026-03-27 is a Friday
                AvailabilityWindow.objects.filter(
                    practitioner=early.practitioner, weekday=weekday
                ).delete()
        run_worker()
        _, entries = practitioner_search(filters=DirectoryFilters(), now=START)
        assert [e.practitioner for e in entries] == [late.practitioner, early.practitioner]
        friday = DirectoryFilters(available_on=datetime(2026, 3, 27).date())
        saturday = DirectoryFilters(available_on=datetime(2026, 3, 28).date())
        _, entries = practitioner_search(filters=friday, now=START)
        assert {e.practitioner for e in entries} == {late.practitioner, early.practitioner}
        _, entries = practitioner_search(filters=saturday, now=START)
        assert [e.practitioner for e in entries] == [late.practitioner]


def test_the_sweep_fills_missing_rows_and_keeps_itself_queued():
    with time_machine.travel(START, tick=False) as clock:
        DBTaskResult.objects.filter(task_path=SWEEP_PATH).delete()
        cal = bookable_calendar()
        run_worker()
        NextFree.objects.all().delete()  # e.g. data loaded with bulk inserts
        assert DBTaskResult.objects.filter(task_path=SWEEP_PATH, status="READY").count() == 1
        clock.move_to(START + timedelta(minutes=2))
        run_worker()
        assert NextFree.objects.filter(pk=cal.practitioner.pk).exists()
        assert DBTaskResult.objects.filter(task_path=SWEEP_PATH, status="READY").count() == 1


def test_the_command_recomputes_everyone(capsys):
    from django.core.management import call_command

    cals = [bookable_calendar(), bookable_calendar()]
    NextFree.objects.all().delete()
    call_command("refresh_next_free")
    assert "Recomputed 2 practitioners" in capsys.readouterr().out
    assert set(NextFree.objects.values_list("pk", flat=True)) == {c.practitioner.pk for c in cals}
