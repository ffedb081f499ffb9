"""The REST door bounds what one request may cost: values, days, page sizes and bodies."""

import json
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.urls import resolve

from carebook.api.tests.conftest import bearer, local_start
from carebook.booking.tests.factories import bookable_calendar

pytestmark = pytest.mark.django_db


def slots_url(cal) -> str:
    return f"/api/v1/practitioners/{cal.practitioner.pk}/slots"


def test_slots_span_at_most_31_days():
    cal = bookable_calendar()
    day = local_start(1).date()
    ok = Client().get(slots_url(cal), {"start": day, "end": day + timedelta(days=30)})
    assert ok.status_code == 200 and ok.json()
    for end in (day + timedelta(days=31), f"{day + timedelta(days=31)}T12:00:00+05:30"):
        refused = Client().get(slots_url(cal), {"start": day, "end": end})
        assert refused.status_code == 422
        assert "at most 31 days" in refused.json()["detail"]


def test_repeated_parameters_are_taken_once_and_many_are_refused():
    cal = bookable_calendar()
    day = str(local_start(1).date())
    repeated = Client().get(
        slots_url(cal), {"start": [day] * 300, "end": day, "service_id": [cal.service.pk] * 300}
    )
    assert repeated.status_code == 200 and len(repeated.json()) == 16
    many = Client().get("/api/v1/practitioners", {"specialty": [f"s{i}" for i in range(11)]})
    assert many.status_code == 422
    assert many.json()["code"] == "too_many_parameters"
    assert many.json()["errors"][0]["loc"] == ["query", "specialty"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/practitioners", "/api/v1/appointments", "/api/v1/invoices", "/api/v1/prescriptions"],
)
def test_every_list_caps_its_page_size(world, path):
    client = world.client("staff")
    assert client.get(path, {"per_page": 100}).status_code == 200
    assert client.get(path, {"per_page": 101}).status_code == 422


def test_a_big_body_is_413_json(world):
    big = json.dumps({"start": "x" * 2_500_000})
    response = bearer(world.patient).post(
        "/api/v1/appointments", big, content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_the_door_answers_413_when_django_refuses_the_body(settings):
    """Past the middleware (a body it could not judge), Django's own limit is answered 413."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = json.dumps({"email": "a@example.test", "password": "p" * 200})
    request = RequestFactory().post("/api/v1/auth/token", body, content_type="application/json")
    response = resolve("/api/v1/auth/token").func(request)
    assert response.status_code == 413
    assert json.loads(response.content)["code"] == "request_too_large"
