"""A database outage through every door: 503 with Retry-After, in the door's format, never 500."""

import logging

import pytest
from django.db import OperationalError
from django.db.backends import utils
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory
from carebook.core import outage

pytestmark = pytest.mark.django_db

PASSWORD = "a-right-password-9"


@pytest.fixture
def database_down(monkeypatch):
    """From now on every query fails as when PostgreSQL is stopped."""

    def refused(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: refused")

    def down():
        monkeypatch.setattr(utils.CursorWrapper, "_execute", refused)
        monkeypatch.setattr(utils.CursorWrapper, "_executemany", refused)

    monkeypatch.setattr(outage, "_last_logged", float("-inf"))
    return down


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/api/v1/practitioners", "application/json"),
        ("/fhir/R4/Practitioner", "application/fhir+json"),
        ("/practitioners/", "text/html"),
        ("/", "text/html"),
    ],
)
def test_every_door_answers_503_with_retry_after(database_down, path, kind):
    client = Client(raise_request_exception=False)
    database_down()
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith(kind)
    assert "no-store" in response["Cache-Control"]
    if kind != "text/html":
        text = response.content.decode()
        assert "unavailable" in text and "Traceback" not in text
    else:
        assert b"Back in a moment" in response.content


def test_a_logged_in_page_whose_session_cannot_be_read_is_503_too(database_down):
    patient = PatientFactory(password=PASSWORD)
    client = Client(raise_request_exception=False)
    client.force_login(patient)
    database_down()
    response = client.get("/account/profile/")
    assert response.status_code == 503 and response["Retry-After"] == "5"


def test_a_booking_post_during_an_outage_is_503_not_500(database_down, settings):
    from carebook.accounts.tokens import token_create

    patient = PatientFactory(password=PASSWORD)
    token = token_create(user=patient, name="test")[1]
    client = Client(raise_request_exception=False)
    database_down()
    response = client.post(
        "/api/v1/appointments",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"


def test_the_outage_is_logged_once_not_once_per_request(database_down, caplog):
    client = Client(raise_request_exception=False)
    database_down()
    with caplog.at_level(logging.ERROR):
        for path in ("/api/v1/practitioners", "/fhir/R4/Practitioner", "/practitioners/") * 3:
            assert client.get(path).status_code == 503
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1 and "Database unavailable" in logged[0].getMessage()
