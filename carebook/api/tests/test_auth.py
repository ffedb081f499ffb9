from datetime import timedelta

import pytest
from django.test import Client

from carebook.accounts.models import ApiToken, FailedLogin, User
from carebook.accounts.tests.factories import PatientFactory
from carebook.accounts.tokens import token_create, token_digest
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"


def obtain(email, password=PASSWORD, client=None, **extra):
    return (client or Client()).post(
        "/api/v1/auth/token",
        {"email": email, "password": password},
        content_type="application/json",
        **extra,
    )


def test_token_for_right_credentials_works_as_bearer_and_is_stored_hashed():
    patient = PatientFactory(email="asha@example.test")
    response = obtain("ASHA@example.test")
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["user"] == {
        "id": patient.pk,
        "email": "asha@example.test",
        "full_name": patient.full_name,
        "role": "patient",
        "state": "active",
        "practitioner_id": None,
    }
    raw = body["token"]
    stored = ApiToken.objects.get()
    assert stored.digest == token_digest(raw) and raw not in (stored.digest, stored.prefix)
    assert stored.expires_at - utcnow() > timedelta(days=29)
    me = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["id"] == patient.pk


@pytest.mark.parametrize(
    "email,password",
    [("asha@example.test", "wrong-password"), ("nobody@example.test", PASSWORD)],
)
def test_wrong_credentials_are_401_json(email, password):
    PatientFactory(email="asha@example.test")
    response = obtain(email, password)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "The email or password is not right.",
        "code": "invalid_credentials",
    }
    assert FailedLogin.objects.count() == 1


def test_suspended_account_gets_no_token():
    patient = PatientFactory(email="asha@example.test")
    User.objects.filter(pk=patient.pk).update(state=User.State.SUSPENDED, is_active=False)
    assert obtain("asha@example.test").status_code == 401


def test_repeated_failures_throttle_that_email_even_with_the_right_password():
    PatientFactory(email="asha@example.test")
    PatientFactory(email="ravi@example.test")
    for _ in range(3):
        assert obtain("asha@example.test", "nope").status_code == 401
    throttled = obtain("asha@example.test")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert 1 <= int(throttled["Retry-After"]) <= 2  # the wait grows with each failure
    assert obtain("ravi@example.test").status_code == 201  # another account is not blocked

    FailedLogin.objects.update(at=utcnow() - timedelta(minutes=16))
    assert obtain("asha@example.test").status_code == 201
    assert not FailedLogin.objects.filter(email="asha@example.test").exists()


def test_many_failures_from_one_address_throttle_it(monkeypatch):
    monkeypatch.setattr("carebook.accounts.throttle.MAX_PER_IP", 3)
    PatientFactory(email="asha@example.test")
    for i in range(3):
        obtain(f"guess{i}@example.test", "nope", REMOTE_ADDR="10.0.0.9")
    assert obtain("asha@example.test", REMOTE_ADDR="10.0.0.9").status_code == 429
    assert obtain("asha@example.test", REMOTE_ADDR="10.0.0.10").status_code == 201


def test_expired_token_is_401():
    patient = PatientFactory()
    token, raw = token_create(user=patient)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/appointments").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=utcnow() - timedelta(seconds=1))
    response = client.get("/api/v1/appointments")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoking_the_token_in_use_ends_it_and_only_it():
    patient = PatientFactory()
    _one, raw = token_create(user=patient)
    _two, other = token_create(user=patient)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.delete("/api/v1/auth/token").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
    assert client.delete("/api/v1/auth/token").status_code == 401
    assert Client(HTTP_AUTHORIZATION=f"Bearer {other}").get("/api/v1/auth/me").status_code == 200


def test_token_of_a_suspended_user_stops_working():
    patient = PatientFactory()
    _token, raw = token_create(user=patient)
    User.objects.filter(pk=patient.pk).update(state=User.State.SUSPENDED, is_active=False)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/auth/me").status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer nonsense", "Bearer cb_forged", "Token abc", "Basic dXNlcjpwdw==", "Bearer"]
)
def test_bad_authorization_headers_are_401(header):
    assert Client(HTTP_AUTHORIZATION=header).get("/api/v1/auth/me").status_code == 401


def test_session_auth_reads_freely_but_writes_need_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.patient)
    assert client.get("/api/v1/auth/me").json()["id"] == world.patient.pk
    refused = client.post("/api/v1/appointments", {}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    client.get("/api/v1/docs")  # any page that renders the CSRF cookie
    token = client.cookies["csrftoken"].value
    passed = client.post(
        "/api/v1/appointments", {}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert passed.status_code == 422  # through auth and CSRF, stopped by validation


def test_a_bearer_token_needs_no_csrf_even_with_a_session_cookie(world):
    _token, raw = token_create(user=world.patient)
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.force_login(world.other_patient)
    response = client.post("/api/v1/appointments", {}, content_type="application/json")
    assert response.status_code == 422
    assert client.get("/api/v1/auth/me").json()["id"] == world.patient.pk


def test_anonymous_write_is_401_not_a_csrf_error():
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/appointments", {}, content_type="application/json"
    )
    assert response.status_code == 401


def test_failures_on_the_login_form_count_here_too():
    PatientFactory(email="asha@example.test")
    for _ in range(5):
        FailedLogin.objects.create(email="asha@example.test", ip="198.51.100.4")
    assert obtain("asha@example.test", REMOTE_ADDR="198.51.100.4").status_code == 429
