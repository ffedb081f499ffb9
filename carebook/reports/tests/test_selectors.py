"""Reports against a naive count of the same appointments, across zones and DST changes."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebook.accounts.tests.factories import PatientFactory
from carebook.booking.models import Appointment
from carebook.booking.tests.factories import appointment_row, bookable_calendar
from carebook.clinic.tests.factories import LocationFactory
from carebook.reports.periods import GROUPS, period_start, period_starts, previous_range
from carebook.reports.rollup import rollup_rebuild
from carebook.reports.selectors import STATUSES, ReportFilters, appointment_counts, peak_hours

pytestmark = pytest.mark.django_db

ZONES = ["Asia/Kolkata", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"]
# New York moves its clocks on 03-08, Berlin on 03-29, Lord Howe (by 30 minutes) on 04-05.
BASE = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
SLOTS = 40 * 24 * 2  # half hours over 40 days
used: set[int] = set()


@pytest.fixture
def world():  # this module's own: zones and one practitioner
    """Made once for all of a property test's examples (they share its transaction)."""
    used.clear()
    return bookable_calendar(), [LocationFactory(time_zone=z) for z in ZONES], PatientFactory()


def naive_counts(start, end, group_by, location_id=None):
    out = defaultdict(Counter)
    for a in Appointment.objects.select_related("location"):
        local = a.start.astimezone(ZoneInfo(a.location.time_zone))
        wanted = location_id is None or a.location_id == location_id
        if a.status in STATUSES and wanted and start <= local.date() <= end:
            out[period_start(local.date(), group_by)][a.status] += 1
    return out


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    visits=st.lists(
        st.tuples(
            st.integers(0, SLOTS - 1),
            st.integers(0, len(ZONES) - 1),
            st.sampled_from([*STATUSES, Appointment.Status.HELD]),
        ),
        max_size=25,
    ),
    first=st.integers(0, 40),
    length=st.integers(0, 40),
    group_by=st.sampled_from(GROUPS),
    one_location=st.booleans(),
)
def test_counts_match_a_naive_count_on_each_locations_local_day(
    world, visits, first, length, group_by, one_location
):
    cal, locations, patient = world
    for slot, where, status in visits:
        if slot in used:
            continue
        used.add(slot)
        start = BASE + timedelta(minutes=30 * slot)
        appointment_row(cal, patient, start, status=status, location=locations[where])
    rollup_rebuild()  # rows written past the services: count them
    start = date(2026, 2, 28) + timedelta(days=first)
    end = start + timedelta(days=length)
    location_id = locations[first % len(ZONES)].pk if one_location else None
    filters = ReportFilters(location_id=location_id)
    got = appointment_counts(start=start, end=end, group_by=group_by, filters=filters)
    expected = naive_counts(start, end, group_by, location_id)
    assert {k: dict(v) for k, v in got.items() if v} == {k: dict(v) for k, v in expected.items()}
    assert set(got) <= set(period_starts(start, end, group_by))

    grid = peak_hours(start=start, end=end, filters=filters)
    naive = [[0] * 24 for _ in range(7)]
    for a in Appointment.objects.select_related("location").filter(
        status__in=["confirmed", "completed"]
    ):
        local = a.start.astimezone(ZoneInfo(a.location.time_zone))
        if (location_id is None or a.location_id == location_id) and start <= local.date() <= end:
            naive[local.weekday()][local.hour] += 1
    assert grid == naive


def test_a_visit_late_in_the_evening_counts_on_that_local_day():
    cal = bookable_calendar(time_zone="Asia/Kolkata")
    patient = PatientFactory()
    # 23:30 in Bengaluru on 03-10 is 18:00 UTC the same day; 00:30 on 03-11 is 19:00 UTC on 03-10.
    for utc, status in (
        (datetime(2026, 3, 10, 18, 0, tzinfo=UTC), "confirmed"),
        (datetime(2026, 3, 10, 19, 0, tzinfo=UTC), "completed"),
    ):
        appointment_row(cal, patient, utc, status=status)
    rollup_rebuild()
    got = appointment_counts(
        start=date(2026, 3, 10), end=date(2026, 3, 11), group_by="day", filters=ReportFilters()
    )
    assert got[date(2026, 3, 10)] == Counter({"confirmed": 1})
    assert got[date(2026, 3, 11)] == Counter({"completed": 1})


def test_periods():
    assert period_start(date(2026, 3, 4), "week") == date(2026, 3, 2)
    assert period_starts(date(2026, 1, 31), date(2026, 3, 1), "month") == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert previous_range(date(2026, 3, 1), date(2026, 3, 31)) == (
        date(2026, 1, 29),
        date(2026, 2, 28),
    )
