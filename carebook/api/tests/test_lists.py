"""Lists: pages past the end are empty, `updated_since`, and a stable `sort`."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.api.tests.conftest import bearer, book, local_start
from carebook.billing.tests.factories import completed, demo_clinic, issued_invoice
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_cancel
from carebook.booking.tests.factories import bookable_calendar
from carebook.core.timeutils import now as utcnow
from carebook.records.tests.factories import prescription

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def three_visits(world) -> list[Appointment]:
    return [book(world.cal, world.patient, local_start(3, hour)) for hour in (9, 10, 11)]


# Pages past the end ------------------------------------------------------------------------------


def test_an_appointment_page_past_the_end_is_empty_with_the_count(world):
    three_visits(world)
    client = world.client("patient")
    body = client.get("/api/v1/appointments", {"per_page": 2, "page": 3}).json()
    assert (body["count"], body["pages"], body["page"], body["results"]) == (3, 2, 3, [])


def test_reading_until_an_empty_page_stops_and_sees_each_row_once(world):
    visits = three_visits(world)
    client, seen, page = world.client("patient"), [], 1
    while batch := ids(client.get("/api/v1/appointments", {"per_page": 2, "page": page})):
        seen += batch
        page += 1
        assert page < 10
    assert seen == [a.pk for a in visits]


def test_an_empty_list_has_one_empty_page_and_nothing_after(world):
    client = world.client("patient")
    for page in (1, 2):
        body = client.get("/api/v1/appointments", {"page": page}).json()
        assert (body["count"], body["pages"], body["results"]) == (0, 1, [])


def test_invoice_and_prescription_pages_past_the_end_are_empty(clinic):
    visit = completed(patient=PatientFactory())
    issued_invoice(visit)
    prescription(visit)
    client = bearer(visit.patient)
    for url in ("/api/v1/invoices", "/api/v1/prescriptions"):
        assert len(ids(client.get(url, {"per_page": 1, "page": 1}))) == 1
        body = client.get(url, {"per_page": 1, "page": 2}).json()
        assert (body["count"], body["page"], body["results"]) == (1, 2, []), url


def test_a_directory_page_past_the_end_is_empty():
    for _ in range(3):
        bookable_calendar()
    client = Client()
    assert len(ids(client.get("/api/v1/practitioners", {"per_page": 2, "page": 2}))) == 1
    body = client.get("/api/v1/practitioners", {"per_page": 2, "page": 3}).json()
    assert (body["count"], body["pages"], body["page"], body["results"]) == (3, 2, 3, [])


# updated_since -----------------------------------------------------------------------------------


def test_updated_since_keeps_rows_changed_at_or_after_it(world):
    first, second, third = three_visits(world)
    later = utcnow() + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        appointment_cancel(appointment=second, by=world.patient)
    client = world.client("patient")
    since = later.astimezone(local_start(0).tzinfo).isoformat()  # any offset reads the same
    assert ids(client.get("/api/v1/appointments", {"updated_since": since})) == [second.pk]
    earlier = (later - timedelta(minutes=10)).isoformat()
    assert ids(client.get("/api/v1/appointments", {"updated_since": earlier})) == [
        first.pk,
        second.pk,
        third.pk,
    ]


@pytest.mark.parametrize("value", ["2026-03-01T09:00:00", "yesterday", "2026-13-01T00:00:00Z"])
def test_updated_since_needs_an_instant_with_its_offset(world, value):
    response = world.client("patient").get("/api/v1/appointments", {"updated_since": value})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "updated_since"]


# sort --------------------------------------------------------------------------------------------


def test_sort_by_start_either_way(world):
    visits = [a.pk for a in three_visits(world)]
    client = world.client("patient")
    assert ids(client.get("/api/v1/appointments")) == visits
    assert ids(client.get("/api/v1/appointments", {"sort": "start"})) == visits
    assert ids(client.get("/api/v1/appointments", {"sort": "-start"})) == visits[::-1]


def test_sort_by_updated_at_with_ties_broken_by_id_on_every_page(world):
    at = utcnow()
    with time_machine.travel(at, tick=False):  # all three rows updated at the same instant
        visits = [a.pk for a in three_visits(world)]
    later_cal = bookable_calendar()
    with time_machine.travel(at + timedelta(minutes=1), tick=False):
        newest = book(later_cal, world.patient, local_start(4)).pk
    client = world.client("patient")

    def read(sort):
        pages = [
            ids(client.get("/api/v1/appointments", {"sort": sort, "per_page": 1, "page": n}))
            for n in (1, 2, 3, 4, 5)
        ]
        return [pk for page in pages for pk in page]

    assert read("updated_at") == [*visits, newest]
    assert read("-updated_at") == [newest, *visits[::-1]]


def test_an_unknown_sort_is_422_naming_the_choices(world):
    response = world.client("patient").get("/api/v1/appointments", {"sort": "reason"})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["query", "sort"]
    assert "'start'" in error["msg"] and "'-updated_at'" in error["msg"]


def test_invoices_sort_newest_or_oldest_first(clinic):
    patient = PatientFactory()
    old = issued_invoice(completed(patient=patient, days_ago=3))
    new = issued_invoice(completed(patient=patient, days_ago=1))
    client = bearer(StaffFactory())
    assert ids(client.get("/api/v1/invoices")) == [new.pk, old.pk]
    assert ids(client.get("/api/v1/invoices", {"sort": "issued_at"})) == [old.pk, new.pk]
    assert client.get("/api/v1/invoices", {"sort": "total"}).status_code == 422


@pytest.fixture
def clinic(db):
    return demo_clinic()
