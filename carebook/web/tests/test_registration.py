"""Sign-up answers the same whether or not the address has an account; the mail says the rest."""

import re

import pytest
from django.core import mail

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory
from carebook.clinic.models import Clinic, Specialty
from carebook.core.tests.tasks import run_worker

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-phrase"


def patient_data(**extra):
    return {
        "full_name": "Asha Rao",
        "email": "asha@example.test",
        "phone": "+91 98450 12345",
        "date_of_birth": "1990-04-01",
        "gender": "female",
        "blood_group": "O+",
        "address": "Indiranagar",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **extra,
    }


def confirmation_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/account/verify/\S+/)", message.body).group(1)


def test_register_creates_an_unconfirmed_patient_and_mails_the_link(client):
    response = client.post("/account/register/", patient_data())
    assert response.status_code == 302 and response["Location"] == "/account/register/sent/"
    user = User.objects.get(email="asha@example.test")
    assert user.is_patient and user.patient_profile.blood_group == "O+"
    assert user.phone == "+919845012345"
    assert user.email_verified_at is None
    assert "_auth_user_id" not in client.session
    assert "Check your email" in client.get(response["Location"]).content.decode()
    run_worker()
    assert [m.to for m in mail.outbox] == [["asha@example.test"]]
    assert "/account/verify/" in mail.outbox[0].body


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_note(client):
    owner = PatientFactory(email="asha@example.test")
    new = client.post("/account/register/", patient_data(email="other@example.test"))
    taken = client.post("/account/register/", patient_data(email="ASHA@example.test"))
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert User.objects.filter(email="asha@example.test").get() == owner
    run_worker()
    note = next(m for m in mail.outbox if m.to == ["asha@example.test"])
    assert "already have an account" in note.body and "/account/verify/" not in note.body


def test_the_long_s_spelling_of_a_taken_address_is_the_same_mailbox(client):
    PatientFactory(email="sunita@example.test")
    client.post("/account/register/", patient_data(email="ſunita@example.test"))
    assert User.objects.count() == 1


def test_register_errors_are_tied_to_fields(client):
    response = client.post(
        "/account/register/",
        {
            "full_name": "X",
            "email": "pаypal@example.test",  # a Cyrillic "а"
            "phone": "1",
            "date_of_birth": "2999-01-01",
            "password1": "12345678",
            "password2": "different",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_email_error"' in body and "alphabets" in body
    assert 'id="id_phone_error"' in body
    assert 'id="id_date_of_birth_error"' in body
    assert 'aria-invalid="true"' in body
    assert User.objects.count() == 0


def test_birth_dates_before_1900_are_refused(client):
    response = client.post("/account/register/", patient_data(date_of_birth="1899-12-31"))
    assert (
        response.status_code == 400 and 'id="id_date_of_birth_error"' in response.content.decode()
    )


def test_sign_ups_for_one_address_are_limited_whether_or_not_it_is_taken(client):
    PatientFactory(email="asha@example.test")
    for _ in range(3):
        assert client.post("/account/register/", patient_data()).status_code == 302
    refused = client.post("/account/register/", patient_data())
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    for _ in range(3):
        client.post("/account/register/", patient_data(email="free@example.test"))
    assert (
        client.post("/account/register/", patient_data(email="free@example.test")).status_code
        == 429
    )


def test_confirming_then_logging_in_lets_a_new_patient_book_pending_ones_wait(client):
    clinic = Clinic.current()
    clinic.patients_need_approval = True
    clinic.save()
    client.post("/account/register/", patient_data())
    run_worker()
    path = confirmation_path(mail.outbox[0])
    page = client.get(path)
    assert page.status_code == 200 and "Confirm my email address" in page.content.decode()
    assert User.objects.get().email_verified_at is None  # a GET never confirms
    done = client.post(path)
    assert done.status_code == 302 and done["Location"] == "/account/login/"
    assert User.objects.get().email_verified_at is not None
    client.post("/account/login/", {"email": "asha@example.test", "password": PASSWORD})
    assert "waiting for approval" in client.get("/account/pending/").content.decode()


def test_practitioner_sign_up_is_pending_unlisted_and_says_so(client):
    spec = Specialty.objects.create(name="Physiotherapy", slug="physiotherapy")
    data = {
        "full_name": "Karthik S",
        "email": "karthik@example.test",
        "phone": "+91 90000 00001",
        "title": "",
        "kind": "therapist",
        "specialties": [spec.pk],
        "qualifications": "BPT",
        "years_experience": 4,
        "registration_number": "KA-123",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    response = client.post("/account/register/practitioner/", data)
    assert response.status_code == 302
    assert response["Location"] == "/account/register/practitioner/sent/"
    user = User.objects.get(email="karthik@example.test")
    assert user.state == User.State.PENDING and not user.practitioner.is_verified
    assert user.phone == "+919000000001" and user.email_verified_at is None
    assert "being checked" in client.get(response["Location"]).content.decode()
    assert "Karthik" not in client.get("/practitioners/").content.decode()
    again = client.post("/account/register/practitioner/", data)
    assert (again.status_code, again["Location"]) == (302, response["Location"])
    assert User.objects.filter(email="karthik@example.test").count() == 1


@pytest.mark.parametrize("twin", ["victim@gm\u00adail.com", "victim@gmail\u200b.com"])
def test_an_invisible_character_twin_is_the_same_mailbox(client, twin):
    PatientFactory(email="victim@gmail.com")
    response = client.post("/account/register/", patient_data(email=twin))
    assert response.status_code == 302  # the same answer as for any address
    assert User.objects.filter(email__icontains="victim").count() == 1


def test_gender_is_never_chosen_for_the_patient(client):
    page = client.get("/account/register/").content.decode()
    first_option = re.search(r'<select name="gender"[^>]*>\s*<option value="([^"]*)"', page)
    assert first_option and first_option.group(1) == ""  # no silent "Female"
    client.post("/account/register/", patient_data(gender=""))
    user = User.objects.get(email="asha@example.test")
    assert user.patient_profile.gender == "undisclosed"
