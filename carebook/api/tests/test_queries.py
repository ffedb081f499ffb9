"""The hot reads stay a fixed handful of queries however many rows they show (no N+1)."""

from datetime import timedelta

import pytest
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory
from carebook.api.tests.conftest import book, local_start
from carebook.booking.tests.factories import bookable_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_clinic(world):
    cals = [world.cal, world.other_cal, *(bookable_calendar() for _ in range(6))]
    for i, cal in enumerate(cals):
        for hour in (9, 10, 11):
            book(cal, PatientFactory(), local_start(3 + i % 3, hour))
    return cals


def test_appointment_list_for_staff(world, busy_clinic, django_assert_max_num_queries):
    client = world.client("staff")
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/appointments", {"per_page": 50}).json()
    assert body["count"] == 24


def test_practitioner_directory(world, busy_clinic, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        body = Client().get("/api/v1/practitioners", {"per_page": 50}).json()
    assert body["count"] == 8


def test_fhir_appointment_search(world, busy_clinic, django_assert_max_num_queries):
    client = world.client("staff")
    with django_assert_max_num_queries(5):
        response = client.get("/fhir/R4/Appointment", {"_count": 50})
    assert response.status_code == 200


def test_fhir_practitioner_and_role_search(world, busy_clinic, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert Client().get("/fhir/R4/Practitioner").status_code == 200
    with django_assert_max_num_queries(9):
        assert Client().get("/fhir/R4/PractitionerRole").status_code == 200


def test_slots_over_four_weeks(world, busy_clinic, django_assert_max_num_queries):
    url = f"/api/v1/practitioners/{world.cal.practitioner.pk}/slots"
    day = local_start(1).date()
    params = {"start": day.isoformat(), "end": (day + timedelta(days=27)).isoformat()}
    with django_assert_max_num_queries(10):
        slots = Client().get(url, params).json()
    assert len(slots) > 28 * 10
    schedule = f"{world.cal.practitioner.pk}-{world.cal.location.pk}"
    with django_assert_max_num_queries(12):
        assert Client().get("/fhir/R4/Slot", {"schedule": schedule}).status_code == 200
