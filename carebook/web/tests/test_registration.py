import pytest

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory
from carebook.clinic.models import Clinic, Specialty

pytestmark = pytest.mark.django_db


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
