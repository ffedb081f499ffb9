"""Sessions end when idle too long (by role), when too old, and when their epoch is revoked."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from carebook.accounts import sessions
from carebook.accounts.credentials import credentials_revoke
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.core.security_log import SecurityEvent

pytestmark = pytest.mark.django_db

START = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
PAGE = "/account/profile/"  # any page that needs a login
PW = "pw-for-tests-1"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def signed_in(client, user):
    client.force_login(user)
    assert client.get(PAGE).status_code == 200  # the first request stamps the session
    return client


def is_signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/account/login/?next=")


@pytest.mark.parametrize(
    "factory, minutes",
    [
        (StaffFactory, 15),
        (lambda: UserFactory(role="practitioner"), 15),
        (PatientFactory, 30),
    ],
)
def test_idle_limit_by_role(client, clock, factory, minutes):
    user = factory()
    signed_in(client, user)
    clock.shift(timedelta(minutes=minutes - 1))
    assert client.get(PAGE).status_code == 200  # still there, and this counts as activity
    clock.shift(timedelta(minutes=minutes - 1))
    assert client.get(PAGE).status_code == 200
    clock.shift(timedelta(minutes=minutes, seconds=1))
    response = client.get(PAGE)
    assert is_signed_out(response)
    assert "_auth_user_id" not in client.session
    event = SecurityEvent.objects.get(kind="logout", user=user)
    assert event.detail == "session ended: idle" and event.door == "web"


def test_idle_limits_come_from_settings(client, clock, settings):
    settings.CAREBOOK_SESSION_IDLE_PATIENT_MINUTES = 5
    signed_in(client, PatientFactory())
    clock.shift(timedelta(minutes=5, seconds=1))
    assert is_signed_out(client.get(PAGE))


def test_the_signed_out_page_says_why(client, clock):
    signed_in(client, StaffFactory())
    clock.shift(timedelta(minutes=16))
    page = client.get(PAGE, follow=True)
    assert "signed out after a while without activity" in page.content.decode()


def test_absolute_lifetime_ends_even_a_busy_session(client, clock):
    signed_in(client, StaffFactory())
    for _ in range(12 * 6 - 1):
        clock.shift(timedelta(minutes=10))
        assert client.get(PAGE).status_code == 200
    clock.shift(timedelta(minutes=10))  # 12 h after logging in
    assert is_signed_out(client.get(PAGE))


def test_absolute_lifetime_comes_from_settings(client, clock, settings):
    settings.CAREBOOK_SESSION_MAX_HOURS = 1
    signed_in(client, PatientFactory())
    for _ in range(5):
        clock.shift(timedelta(minutes=10))
        assert client.get(PAGE).status_code == 200
    clock.shift(timedelta(minutes=10, seconds=1))
    assert is_signed_out(client.get(PAGE))


def test_logging_in_stamps_the_session_at_the_users_epoch(client, clock):
    patient = PatientFactory()
    credentials_revoke(user=patient, by=patient, reason="test")  # epoch 1
    response = client.post("/account/login/", {"email": patient.email, "password": PW})
    assert response.status_code == 302
    session = client.session
    assert session[sessions.EPOCH] == 1
    assert session[sessions.STARTED] == session[sessions.SEEN] == START.timestamp()
    assert client.get(PAGE).status_code == 200


def test_htmx_polls_do_not_keep_a_session_alive(client, clock):
    signed_in(client, StaffFactory())
    for _ in range(8):
        clock.shift(timedelta(minutes=2))
        client.get("/practitioners/", HTTP_HX_REQUEST="true")
    assert is_signed_out(client.get(PAGE))


def test_status_tells_the_time_left_without_extending_it(client, clock):
    signed_in(client, StaffFactory())
    clock.shift(timedelta(minutes=10))
    status = client.get("/account/session/").json()
    assert status["authenticated"] is True
    assert status["seconds_left"] == 5 * 60
    assert status["idle_seconds"] == 15 * 60 and status["warn_seconds"] == 120
    clock.shift(timedelta(minutes=5, seconds=1))
    gone = client.get("/account/session/")
    assert gone.status_code == 401 and gone.json()["authenticated"] is False


def test_stay_signed_in_extends_the_idle_limit(clock):
    client = Client(enforce_csrf_checks=True)
    signed_in(client, StaffFactory())
    token = str(client.get("/account/password/").context["csrf_token"])
    clock.shift(timedelta(minutes=14, seconds=30))
    assert client.post("/account/session/").status_code == 403  # CSRF
    kept = client.post("/account/session/", HTTP_X_CSRFTOKEN=token)
    assert kept.status_code == 200 and kept.json()["seconds_left"] == 15 * 60
    clock.shift(timedelta(minutes=14))
    assert client.get(PAGE).status_code == 200


def test_status_for_an_anonymous_visitor(client):
    response = client.get("/account/session/")
    assert response.status_code == 401
    assert response.json() == {"authenticated": False, "login_url": "/account/login/"}


@pytest.mark.parametrize(
    "engine",
    [
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.signed_cookies",
        "django.contrib.sessions.backends.cache",
    ],
)
def test_revoking_credentials_ends_every_other_session(settings, engine):
    settings.SESSION_ENGINE = engine
    patient = PatientFactory()
    laptop, phone = signed_in(Client(), patient), signed_in(Client(), patient)
    credentials_revoke(user=patient, by=None, reason="test")
    for client in (laptop, phone):
        assert is_signed_out(client.get(PAGE))
    details = SecurityEvent.objects.filter(kind="logout", user=patient).values_list(
        "detail", flat=True
    )
    assert list(details) == ["session ended: revoked"] * 2
    # Logging in again works, at the new epoch.
    again = laptop.post("/account/login/", {"email": patient.email, "password": PW})
    assert again.status_code == 302
    assert laptop.get(PAGE).status_code == 200


def test_session_state_is_computed_from_the_session_alone():
    user = StaffFactory.build(session_epoch=3)
    session = {}
    sessions.session_stamp(session, user, now=START)
    alive = sessions.session_state(session, user, now=START + timedelta(minutes=14))
    assert alive.ended == "" and alive.left == timedelta(minutes=1)
    assert sessions.session_state(session, user, now=START + timedelta(minutes=15)).ended == "idle"
    user.session_epoch = 4
    assert sessions.session_state(session, user, now=START).ended == "revoked"


@pytest.mark.parametrize(
    "path, signed_out",
    [
        (PAGE, lambda r: r.status_code == 302 and "/account/login/" in r["Location"]),
        ("/api/v1/auth/me", lambda r: r.status_code == 401),
        ("/admin/", lambda r: r.status_code == 302 and "/admin/login/" in r["Location"]),
    ],
)
def test_every_door_with_a_session_applies_the_idle_limit(client, clock, path, signed_out):
    signed_in(client, StaffFactory())
    assert client.get(path).status_code == 200
    clock.shift(timedelta(minutes=15, seconds=1))
    assert signed_out(client.get(path))
