"""Logins, failures and logouts reach the security log at every door: the site, the API token
endpoint and /admin/; one row per event even where a service and Django's signal both see it."""

from binascii import unhexlify

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.core.security_log import SecurityEvent

pytestmark = pytest.mark.django_db
PW = "pw-for-tests-1"
KEY = "3132333435363738393031323334353637383930"


def kinds(**filters):
    return list(
        SecurityEvent.objects.filter(**filters)
        .order_by("id")
        .values_list("kind", "door", "user_id", "email")
    )


def test_a_site_login_and_logout_are_logged_once_each(client):
    patient = PatientFactory()
    assert (
        client.post(reverse("login"), {"email": patient.email, "password": PW}).status_code == 302
    )
    client.post(reverse("logout"))
    assert kinds() == [
        ("login", "web", patient.pk, patient.email),
        ("logout", "web", patient.pk, patient.email),
    ]
    assert SecurityEvent.objects.first().ip == "127.0.0.1"


def test_a_failed_site_login_is_logged_once_with_the_email_typed(client):
    client.post(reverse("login"), {"email": "Nobody@Example.test", "password": "wrong"})
    assert kinds() == [("login_failed", "web", None, "nobody@example.test")]


def test_a_throttled_login_is_logged(client):
    patient = PatientFactory()
    for _ in range(10):
        response = client.post(reverse("login"), {"email": patient.email, "password": "wrong"})
        if response.status_code == 429:
            break
    assert response.status_code == 429
    logged = [k for k, *_ in kinds()]
    assert logged[-1] == "throttled" and set(logged[:-1]) == {"login_failed"}


def test_a_token_login_and_its_failure_are_logged_at_the_rest_door(client):
    patient = PatientFactory()
    url = "/api/v1/auth/token"
    bad = client.post(
        url, {"email": patient.email, "password": "x"}, content_type="application/json"
    )
    assert bad.status_code == 401
    ok = client.post(url, {"email": patient.email, "password": PW}, content_type="application/json")
    assert ok.status_code == 201
    logged = kinds(kind__in=["login", "login_failed"])
    assert logged == [
        ("login_failed", "rest", None, patient.email),
        ("login", "rest", patient.pk, patient.email),
    ]


def test_an_admin_login_and_its_failure_are_logged_at_the_admin_door(client):
    staff = StaffFactory()
    TOTPDevice.objects.create(user=staff, name="app", key=KEY, confirmed=True)
    code = f"{TOTP(unhexlify(KEY)).token():06d}"
    url = reverse("admin:login")
    client.post(url, {"username": staff.email, "password": "wrong", "next": "/admin/"})
    response = client.post(
        url, {"username": staff.email, "password": PW, "otp_token": code, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert kinds(kind__in=["login", "login_failed"]) == [
        ("login_failed", "admin", None, staff.email),
        ("login", "admin", staff.pk, staff.email),
    ]


def test_a_login_no_service_saw_is_logged_by_the_signal(client):
    patient = PatientFactory()
    client.force_login(patient)
    assert kinds() == [("login", "web", patient.pk, patient.email)]
