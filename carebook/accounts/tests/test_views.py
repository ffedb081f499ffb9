import re

import pytest
from django.core import mail

from carebook.accounts.models import FailedLogin, PatientProfile
from carebook.accounts.tests.factories import PatientFactory, StaffFactory

pytestmark = pytest.mark.django_db

PW = "pw-for-tests-1"


def test_login_by_email_lands_on_the_role_home(client):
    patient = PatientFactory()
    response = client.post("/account/login/", {"email": patient.email.upper(), "password": PW})
    assert response.status_code == 302 and response["Location"] == "/appointments/"


def test_login_respects_a_safe_next_only(client):
    patient = PatientFactory()
    ok = client.post(
        "/account/login/?next=/practitioners/", {"email": patient.email, "password": PW}
    )
    assert ok["Location"] == "/practitioners/"
    client.logout()
    evil = client.post(
        "/account/login/?next=https://evil.example/", {"email": patient.email, "password": PW}
    )
    assert evil["Location"] == "/appointments/"


def test_failed_logins_are_throttled_per_email(client):
    patient = PatientFactory()
    for _ in range(3):
        response = client.post("/account/login/", {"email": patient.email, "password": "wrong"})
        assert response.status_code == 400 and "do not match" in response.content.decode()
    blocked = client.post("/account/login/", {"email": patient.email, "password": PW})
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    FailedLogin.objects.all().delete()
    assert (
        client.post("/account/login/", {"email": patient.email, "password": PW}).status_code == 302
    )


def test_password_reset_by_email(client):
    patient = PatientFactory()
    client.post("/account/password-reset/", {"email": patient.email})
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/account/password-reset/\S+/)", mail.outbox[0].body).group(
        1
    )
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand-new-phrase-9", "new_password2": "brand-new-phrase-9"},
    )
    assert done.status_code == 302
    patient.refresh_from_db()
    assert patient.check_password("brand-new-phrase-9")


def test_profile_edit_and_logout(client):
    patient = PatientFactory()
    client.force_login(patient)
    response = client.post(
        "/account/profile/",
        {
            "full_name": "New Name",
            "phone": "+91 98450 12345",
            "gender": "male",
            "blood_group": "B+",
            "date_of_birth": "1980-01-01",
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.full_name == "New Name" and patient.patient_profile.blood_group == "B+"
    assert client.get("/account/logout/").status_code == 405
    assert client.post("/account/logout/").status_code == 302


def test_staff_profile_has_no_patient_fields(client):
    client.force_login(StaffFactory())
    assert "Blood group" not in client.get("/account/profile/").content.decode()


def test_opening_the_profile_page_writes_nothing(client, db):
    patient = PatientFactory()
    PatientProfile.objects.filter(user=patient).delete()
    client.force_login(patient)
    assert client.get("/account/profile/").status_code == 200
    assert not PatientProfile.objects.filter(user=patient).exists()
