"""POST /api/v1/auth/register: the website's sign-up, with its checks, limits and mails."""

import pytest
from django.core import mail
from django.test import Client

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory
from carebook.api.tests.conftest import local_start
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.services.registration import SIGN_UPS_PER_EMAIL
from carebook.core.tests.tasks import run_worker

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/register"
PASSWORD = "a-long-pass-phrase"


def patient(**extra):
    return {
        "full_name": "Asha Rao",
        "email": "asha@example.test",
        "phone": "098450 12345",
        "date_of_birth": "1990-04-01",
        "gender": "female",
        "blood_group": "O+",
        "password": PASSWORD,
        **extra,
    }


def register(data, client=None):
    return (client or Client()).post(URL, data, content_type="application/json")


def test_sign_up_creates_an_unconfirmed_patient_and_mails_the_link(settings):
    settings.CAREBOOK_PHONE_REGION = "IN"
    response = register(patient(email=" Asha@Example.test "))
    assert response.status_code == 202, response.content
    assert response.json()["email"] == "asha@example.test"
    assert "Check your email" in response.json()["detail"]
    user = User.objects.get(email="asha@example.test")
    assert user.is_patient and user.email_verified_at is None
    assert user.phone == "+919845012345"  # read in the clinic's region, stored as E.164
    assert user.patient_profile.blood_group == "O+"
    assert user.check_password(PASSWORD)
    run_worker()
    assert [m.to for m in mail.outbox] == [["asha@example.test"]]
    assert "/account/verify/" in mail.outbox[0].body


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_note():
    owner = PatientFactory(email="asha@example.test")
    new = register(patient(email="other@example.test"))
    taken = register(patient(email="ASHA@example.test"))
    assert taken.status_code == new.status_code == 202
    assert taken.json()["detail"].replace("asha", "other") == new.json()["detail"]
    assert User.objects.filter(email="asha@example.test").get() == owner
    run_worker()
    note = next(m for m in mail.outbox if m.to == ["asha@example.test"])
    assert "already have an account" in note.body and "/account/verify/" not in note.body


@pytest.mark.parametrize(
    "change,field",
    [
        ({"password": "12345678"}, "password"),  # only numbers
        ({"password": "short"}, "password"),
        ({"password": "asha@example.test"}, "password"),  # like the email
        ({"email": "pаypal@example.test"}, "email"),  # a Cyrillic "а"
        ({"email": "not-an-address"}, "email"),
        ({"phone": "1"}, "phone"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"gender": "robot"}, "gender"),
        ({"full_name": ""}, "full_name"),
    ],
)
def test_details_the_web_form_refuses_are_422_on_their_field(change, field):
    response = register(patient(**change))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in [error["loc"][-1] for error in body["errors"]], body
    assert not User.objects.filter(email="asha@example.test").exists()


def test_sign_ups_for_one_address_are_limited_with_retry_after():
    for _ in range(SIGN_UPS_PER_EMAIL):
        assert register(patient()).status_code == 202
    response = register(patient())
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0
    assert User.objects.filter(email="asha@example.test").count() == 1


def test_the_new_patient_logs_in_but_books_only_once_the_address_is_confirmed():
    register(patient())
    token = Client().post(
        "/api/v1/auth/token",
        {"email": "asha@example.test", "password": PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 201, token.content
    cal = bookable_calendar()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    booking = {
        "practitioner_id": cal.practitioner.pk,
        "start": local_start(3).isoformat(),
        "service_id": cal.service.pk,
        "location_id": cal.location.pk,
    }
    response = client.post("/api/v1/appointments", booking, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (403, "email_not_verified")
