"""Many people, one calendar, the same instant: the database must never double-book.

Real threads, each with its own database connection, released together by a barrier.
"""

import os
import random
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection, connections

from carebook.accounts.tests.factories import PatientFactory
from carebook.booking.services import appointment_book
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.tests.factories import ServiceFactory
from carebook.core.errors import SlotUnavailable

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = int(os.environ.get("CAREBOOK_RACE_ROUNDS", "5"))
NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
FIRST = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)  # 09:00 in Kolkata; the window has 10 half-hours


def race(calls):
    """Run the callables at once; return ("ok"|"taken"|"error", value) for each."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait(timeout=60)
            results[i] = ("ok", fn())
        except SlotUnavailable as exc:
            results[i] = ("taken", exc)
        except Exception as exc:  # noqa: BLE001 - any other outcome fails the test below
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    errors = [r for r in results if r is None or r[0] == "error"]
    assert not errors, errors[:3]
    return results


def overlapping_active_pairs() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM booking_appointment a JOIN booking_appointment b ON a.id < b.id
            WHERE a.status IN ('held', 'requested', 'confirmed')
              AND b.status IN ('held', 'requested', 'confirmed')
              AND ((a.practitioner_id = b.practitioner_id
                    AND a.hold_start < b.hold_end AND b.hold_start < a.hold_end)
                OR (a.patient_id = b.patient_id AND a.start < b."end" AND b.start < a."end"))
            """
        )
        return cursor.fetchone()[0]


def booker(cal, patient, start, service=None):
    return lambda: appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=service or cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        by=patient,
        now=NOW,
    )


def test_fifty_patients_ten_slots_exactly_ten_win():
    patients = PatientFactory.create_batch(50)
    for _ in range(ROUNDS):
        cal = bookable_calendar(start=time(9), end=time(14), duration=30, step=30)
        calls = [
            booker(cal, p, FIRST + timedelta(minutes=30 * (i % 10))) for i, p in enumerate(patients)
        ]
        results = race(calls)
        assert sum(1 for kind, _ in results if kind == "ok") == 10
        assert sum(1 for kind, _ in results if kind == "taken") == 40
        assert overlapping_active_pairs() == 0


def test_partially_overlapping_requests_never_overlap():
    rng = random.Random(7)
    patients = PatientFactory.create_batch(50)
    for _ in range(ROUNDS):
        cal = bookable_calendar(start=time(9), end=time(14), duration=30, step=30)
        services = [cal.service] + [
            ServiceFactory(practitioner=cal.practitioner, duration_minutes=m) for m in (60, 90)
        ]
        calls = []
        for p in patients:
            service = rng.choice(services)
            start = FIRST + timedelta(
                minutes=30 * rng.randrange(0, 10 - service.duration_minutes // 30 + 1)
            )
            calls.append(booker(cal, p, start, service))
        results = race(calls)
        assert any(kind == "ok" for kind, _ in results)
        assert overlapping_active_pairs() == 0


def test_one_patient_two_practitioners_same_time_books_once():
    patient = PatientFactory()
    for _ in range(ROUNDS):
        cals = [bookable_calendar(start=time(9), end=time(14)) for _ in range(10)]
        start = FIRST + timedelta(days=_)
        results = race([booker(cal, patient, start) for cal in cals])
        assert sum(1 for kind, _ in results if kind == "ok") == 1
        assert overlapping_active_pairs() == 0
