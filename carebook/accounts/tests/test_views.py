import re

import pytest
from django.core import mail

from carebook.accounts.models import FailedLogin, User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.clinic.models import Clinic, Specialty

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
    for _ in range(5):
        response = client.post("/account/login/", {"email": patient.email, "password": "wrong"})
        assert response.status_code == 400 and "do not match" in response.content.decode()
    blocked = client.post("/account/login/", {"email": patient.email, "password": PW})
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session
    FailedLogin.objects.all().delete()
    assert (
        client.post("/account/login/", {"email": patient.email, "password": PW}).status_code == 302
    )


def test_register_creates_a_patient_and_logs_in(client):
    response = client.post(
        "/account/register/",
        {
            "full_name": "Asha Rao",
            "email": "asha@example.test",
            "phone": "+91 98450 12345",
            "date_of_birth": "1990-04-01",
            "gender": "female",
            "blood_group": "O+",
            "address": "Indiranagar",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="asha@example.test")
    assert user.is_patient and user.patient_profile.blood_group == "O+"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_register_errors_are_tied_to_fields(client):
    PatientFactory(email="taken@example.test")
    response = client.post(
        "/account/register/",
        {
            "full_name": "X",
            "email": "taken@example.test",
            "date_of_birth": "2999-01-01",
            "password1": "12345678",
            "password2": "different",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_email_error"' in body and "already exists" in body
    assert 'id="id_date_of_birth_error"' in body
    assert 'aria-invalid="true"' in body
    assert User.objects.count() == 1


def test_pending_patient_sees_why_they_wait(client):
    clinic = Clinic.current()
    clinic.patients_need_approval = True
    clinic.save()
    client.post(
        "/account/register/",
        {
            "full_name": "Asha Rao",
            "email": "asha@example.test",
            "phone": "1",
            "date_of_birth": "1990-04-01",
            "gender": "female",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    page = client.get("/account/pending/").content.decode()
    assert "waiting for approval" in page


def test_practitioner_registers_pending_and_unlisted(client):
    spec = Specialty.objects.create(name="Physiotherapy", slug="physiotherapy")
    response = client.post(
        "/account/register/practitioner/",
        {
            "full_name": "Karthik S",
            "email": "karthik@example.test",
            "phone": "1",
            "title": "",
            "kind": "therapist",
            "specialties": [spec.pk],
            "qualifications": "BPT",
            "years_experience": 4,
            "registration_number": "KA-123",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/account/pending/"
    user = User.objects.get(email="karthik@example.test")
    assert user.state == User.State.PENDING and not user.practitioner.is_verified
    assert "being checked" in client.get("/account/pending/").content.decode()
    assert "Karthik" not in client.get("/practitioners/").content.decode()


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
            "phone": "999",
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
