from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory
from carebook.api.tests.conftest import book, local_start
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Language
from carebook.clinic.tests.factories import (
    LocationFactory,
    PractitionerFactory,
    ServiceFactory,
    SpecialtyFactory,
)

pytestmark = pytest.mark.django_db


def get(url, **params):
    return Client().get(url, params)


def test_specialties_and_open_locations_are_public():
    SpecialtyFactory(name="Dermatology", slug="dermatology")
    SpecialtyFactory(name="Cardiology", slug="cardiology")
    LocationFactory(name="Open", city="Pune")
    LocationFactory(name="Closed", is_active=False)
    assert [s["slug"] for s in get("/api/v1/specialties").json()] == ["cardiology", "dermatology"]
    assert [loc["name"] for loc in get("/api/v1/locations").json()] == ["Open"]


def test_practitioner_search_filters_sorts_and_pages():
    cardio = SpecialtyFactory(name="Cardiology", slug="cardiology")
    hindi = Language.objects.create(code="hi", name="Hindi")
    cals = [bookable_calendar() for _ in range(3)]
    cheap, mid, dear = (c.practitioner for c in cals)
    for practitioner, fee in ((cheap, "300"), (mid, "600"), (dear, "900")):
        practitioner.consultation_fee = Decimal(fee)
        practitioner.save()
    mid.specialties.add(cardio)
    mid.languages.add(hindi)
    PractitionerFactory(verified_at=None)  # not verified: never listed

    body = get("/api/v1/practitioners", sort="fee", per_page=2).json()
    assert (body["count"], body["pages"], body["page"]) == (3, 2, 1)
    assert [p["id"] for p in body["results"]] == [cheap.pk, mid.pk]
    assert (
        get("/api/v1/practitioners", sort="fee", per_page=2, page=2).json()["results"][0]["id"]
        == dear.pk
    )

    only = get("/api/v1/practitioners", specialty="cardiology", language="hi").json()
    assert [p["id"] for p in only["results"]] == [mid.pk]
    entry = only["results"][0]
    assert entry["specialties"][0]["slug"] == "cardiology"
    assert entry["languages"] == [{"code": "hi", "name": "Hindi"}]
    assert entry["consultation_fee"] == "600.00"
    assert entry["locations"][0]["time_zone"] == "Asia/Kolkata"
    slot = entry["next_free_slot"]
    assert slot["service_id"] == entry["services"][0]["id"]
    assert datetime.fromisoformat(slot["start"]).utcoffset() == timedelta(hours=5, minutes=30)

    fees = get("/api/v1/practitioners", fee_min="500", fee_max="700").json()
    assert [p["id"] for p in fees["results"]] == [mid.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"gender": "robot"},
        {"mode": "teleport"},
        {"sort": "random"},
        {"fee_min": "-1"},
        {"per_page": "0"},
        {"per_page": "1000"},
        {"available_on": "not-a-date"},
        {"available_on": "9999-12-31"},
        {"q": "nul\x00byte"},
        {"location_id": "99999999999999999999999"},
    ],
)
def test_practitioner_search_rejects_bad_filters_with_field_errors(params):
    response = get("/api/v1/practitioners", **params)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"][-1] == next(iter(params))


def test_practitioner_detail_and_404_for_unlisted():
    cal = bookable_calendar()
    hidden = PractitionerFactory(verified_at=None)
    body = get(f"/api/v1/practitioners/{cal.practitioner.pk}").json()
    assert body["id"] == cal.practitioner.pk
    assert body["services"] == [
        {"id": cal.service.pk, "name": "Consultation", "duration_minutes": 30, "price": "500.00"}
    ]
    for pk in (hidden.pk, 987654):
        missing = get(f"/api/v1/practitioners/{pk}")
        assert missing.status_code == 404
        assert missing.json() == {"detail": "Not found.", "code": "not_found"}


def test_slots_by_local_dates_leave_out_taken_times():
    cal = bookable_calendar()  # every day 09:00-17:00, 30-minute slots
    taken = local_start(2, 9)
    book(cal, PatientFactory(), taken)
    day = taken.date().isoformat()
    response = get(f"/api/v1/practitioners/{cal.practitioner.pk}/slots", start=day, end=day)
    assert response.status_code == 200
    slots = response.json()
    assert len(slots) == 15
    starts = [datetime.fromisoformat(s["start"]) for s in slots]
    assert taken not in starts
    assert starts[0] == taken + timedelta(minutes=30)
    assert slots[0]["end"] == (taken + timedelta(hours=1)).isoformat()
    assert {s["location_id"] for s in slots} == {cal.location.pk}
    assert {s["service_id"] for s in slots} == {cal.service.pk}


def test_slots_by_instants_with_offsets_and_for_another_service():
    cal = bookable_calendar()
    hour = ServiceFactory(practitioner=cal.practitioner, duration_minutes=60, name="Long")
    start = local_start(3, 10).astimezone(UTC)
    response = Client().get(
        f"/api/v1/practitioners/{cal.practitioner.pk}/slots",
        {
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "service_id": hour.pk,
            "location_id": cal.location.pk,
        },
    )
    slots = response.json()
    # The engine offers slots that do not overlap one another.
    assert [datetime.fromisoformat(s["start"]) for s in slots] == [
        start,
        start + timedelta(hours=1),
    ]
    assert slots[0]["start"].endswith("+05:30")
    assert datetime.fromisoformat(slots[0]["end"]) - start == timedelta(hours=1)


@pytest.mark.parametrize(
    "params,field",
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, None),
        ({"start": "2026-01-01", "end": "2026-06-01"}, None),
        ({"start": "2026-03-01T10:00:00", "end": "2026-03-02"}, "start"),
        ({"end": "2026-03-02"}, "start"),
        ({"start": "2026-03-01", "end": "2026-03-02", "service_id": "999999"}, None),
        ({"start": "2026-03-01", "end": "2026-03-02", "location_id": "999999"}, None),
    ],
)
def test_slots_reject_bad_ranges_and_references(params, field):
    cal = bookable_calendar()
    response = get(f"/api/v1/practitioners/{cal.practitioner.pk}/slots", **params)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] in ("validation_error", "invalid_input")
    if field:
        assert body["errors"][0]["loc"][-1] == field


def test_slots_of_an_unknown_practitioner_are_404():
    response = get("/api/v1/practitioners/424242/slots", start="2026-03-01", end="2026-03-02")
    assert response.status_code == 404


def test_slot_times_use_each_locations_offset():
    cal = bookable_calendar(time_zone="Europe/Berlin")
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    slots = get(f"/api/v1/practitioners/{cal.practitioner.pk}/slots", start=day, end=day).json()
    assert slots and slots[0]["start"].startswith(f"{day}T09:00:00+0")


@pytest.mark.parametrize(
    "params",
    [{"q": "nobody-by-this-name"}, {"q": "nobody-by-this-name", "available_on": "2026-03-03"}],
)
def test_a_search_that_matches_nobody_is_an_empty_page(params):
    bookable_calendar()
    body = get("/api/v1/practitioners", **params).json()
    assert (body["count"], body["results"]) == (0, [])
