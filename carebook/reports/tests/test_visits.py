"""How visits went, against naive counts of the same generated appointments and histories."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.tests.factories import appointment_row, bookable_calendar
from carebook.clinic.tests.factories import LocationFactory
from carebook.reports.rollup import rollup_rebuild
from carebook.reports.selectors import STATUSES, ReportFilters
from carebook.reports.utilisation import utilisation
from carebook.reports.visits import (
    DECISION_BANDS,
    KEPT,
    LEAD_BANDS,
    breakdown,
    cancellations,
    decision_times,
    lead_times,
    patients,
    rates,
)

pytestmark = pytest.mark.django_db

ZONES = ["Asia/Kolkata", "Europe/London", "America/New_York"]
BASE = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
SLOTS = 40 * 24 * 2
CUTOFF_HOURS = 24
S = Appointment.Status
used: set[int] = set()


@pytest.fixture
def world():
    used.clear()
    cal = bookable_calendar(cutoff_hours=CUTOFF_HOURS)
    return (
        cal,
        [cal.location, *[LocationFactory(time_zone=z) for z in ZONES[1:]]],
        [PatientFactory() for _ in range(3)],
        StaffFactory(),
    )


def band(seconds, bands):
    return next(i for i, (bound, _) in enumerate(bands) if bound is None or seconds < bound)


def local_day(a):
    return a.start.astimezone(ZoneInfo(a.location.time_zone)).date()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    visits=st.lists(
        st.tuples(
            st.integers(0, SLOTS - 1),
            st.integers(0, len(ZONES) - 1),
            st.sampled_from(STATUSES),
            st.integers(0, 2),  # patient
            st.integers(0, 24 * 45),  # booked this many hours ahead
            st.sampled_from(["patient", "practitioner", "clinic", "system", "moved"]),
            st.integers(0, 24 * 3),  # cancelled or decided this many hours after booking
        ),
        max_size=20,
    ),
    first=st.integers(0, 40),
    length=st.integers(0, 40),
    one_location=st.booleans(),
)
def test_visit_figures_match_naive_counts(world, visits, first, length, one_location):
    cal, locations, people, staff = world
    for slot, where, status, who, ahead, actor, after in visits:
        if slot in used:
            continue
        used.add(slot)
        start = BASE + timedelta(minutes=30 * slot)
        a = appointment_row(cal, people[who], start, status=status, location=locations[where])
        created = start - timedelta(hours=ahead)
        Appointment.objects.filter(pk=a.pk).update(created_at=created)
        acted = min(created + timedelta(hours=after), start + timedelta(hours=1))
        if status == S.CANCELLED:
            by = {
                "patient": a.patient,
                "practitioner": cal.practitioner.user,
                "clinic": staff,
                "system": None,
                "moved": a.patient,
            }[actor]
            action = "reschedule" if actor == "moved" else "cancel"
            h = AppointmentHistory.objects.create(
                appointment=a, by=by, action=action, from_status=S.CONFIRMED, to_status=status
            )
            AppointmentHistory.objects.filter(pk=h.pk).update(at=acted)
        elif status in (S.CONFIRMED, S.REJECTED) and after % 2:
            h = AppointmentHistory.objects.create(
                appointment=a,
                by=cal.practitioner.user,
                action="decide",
                from_status=S.REQUESTED,
                to_status=status,
            )
            AppointmentHistory.objects.filter(pk=h.pk).update(at=acted)

    rollup_rebuild()  # rows written past the services: count them
    start = date(2026, 2, 28) + timedelta(days=first)
    end = start + timedelta(days=length)
    location = locations[first % len(ZONES)] if one_location else None
    filters = ReportFilters(location_id=location.pk if location else None)
    every = [
        a
        for a in Appointment.objects.select_related("location")
        if location is None or a.location_id == location.pk
    ]
    chosen = [a for a in every if start <= local_day(a) <= end]

    by_location = defaultdict(Counter)
    for a in chosen:
        by_location[a.location_id][a.status] += 1
    got = breakdown("location", start=start, end=end, filters=filters)
    assert {k: dict(c) for k, _label, c in got} == {k: dict(c) for k, c in by_location.items()}
    modes = breakdown("mode", start=start, end=end, filters=filters)
    assert [(k, sum(c.values())) for k, _l, c in modes] == (
        [("in_person", len(chosen))] if chosen else []
    )

    kept = [a for a in chosen if a.status in KEPT]
    first_kept = {}
    for a in sorted((a for a in every if a.status in KEPT), key=lambda a: a.start):
        first_kept.setdefault(a.patient_id, a)
    seen = {a.patient_id for a in kept}
    new = {p for p in seen if start <= local_day(first_kept[p]) <= end}
    found = patients(start=start, end=end, filters=filters)
    assert (found.seen, found.new, found.returning) == (len(seen), len(new), len(seen - new))

    whom, late = Counter(), Counter()
    decided = []
    for h in AppointmentHistory.objects.filter(appointment__in=[a.pk for a in chosen]):
        a = next(a for a in chosen if a.pk == h.appointment_id)
        if h.to_status == S.CANCELLED:
            who = (
                "moved"
                if h.action == "reschedule"
                else "system"
                if h.by_id is None
                else "clinic"
                if h.by_id == staff.pk
                else "practitioner"
                if h.by_id == cal.practitioner.user_id
                else "patient"
            )
            whom[who] += 1
            if a.start - h.at < timedelta(hours=CUTOFF_HOURS):
                late[who] += 1
        else:
            decided.append((h.at - a.created_at).total_seconds())
    assert cancellations(start=start, end=end, filters=filters) == (whom, late)

    leads = lead_times(start=start, end=end, filters=filters)
    waits = [(a.start - a.created_at).total_seconds() for a in kept]
    assert leads.count == len(kept)
    assert [n for _name, n in leads.bands] == [
        sum(band(w, LEAD_BANDS) == i for w in waits) for i in range(len(LEAD_BANDS))
    ]
    if waits:
        assert leads.average_seconds == pytest.approx(sum(waits) / len(waits))
    decisions = decision_times(start=start, end=end, filters=filters)
    assert [n for _name, n in decisions.bands] == [
        sum(band(w, DECISION_BANDS) == i for w in decided) for i in range(len(DECISION_BANDS))
    ]

    statuses = Counter(a.status for a in chosen)
    r = rates(statuses, whom, late)
    due = statuses[S.COMPLETED] + statuses[S.NO_SHOW]
    assert r.no_show == (statuses[S.NO_SHOW] / due if due else None)

    diaries = utilisation(start=start, end=end, filters=filters)
    booked = 30 * len(kept)
    offered = 0 if location not in (None, cal.location) else 8 * 60 * (length + 1)
    expected = [(offered, booked)] if offered or booked else []
    assert [(d.offered_minutes, d.booked_minutes) for d in diaries] == expected
