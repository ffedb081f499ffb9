"""One mailbox, one account: emails in one spelling, phones in E.164, plausible birth dates."""

import importlib
import logging
from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection

from carebook.accounts.identity import (
    birth_date_check,
    email_check,
    email_is_confusable,
    email_normalise,
    phone_to_e164,
)
from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory

PW = "pw-for-tests-1"


@pytest.mark.parametrize(
    "typed",
    [
        "sunita@example.test",
        "ſunita@example.test",
        " SUNITA@Example.TEST ",
        "ＳＵＮＩＴＡ＠example.test",
    ],
)
def test_every_spelling_of_one_mailbox_is_one_address(typed):
    assert email_normalise(typed) == "sunita@example.test"


def test_addresses_mixing_lookalike_alphabets_are_refused():
    assert email_is_confusable("pаypal@example.test")  # a Cyrillic "а"
    assert email_is_confusable("sunita@exаmple.test")
    assert not email_is_confusable("ſunita@example.test")
    assert not email_is_confusable("सुनीता@example.test")  # one script is fine
    with pytest.raises(ValidationError):
        email_check("pаypal@example.test")


@pytest.mark.parametrize(
    "raw,e164",
    [
        ("+91 98450 12345", "+919845012345"),
        ("98450 12345", "+919845012345"),
        ("098450-12345", "+919845012345"),
        ("+44 20 7946 0123", "+442079460123"),
        ("", ""),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw, e164):
    assert phone_to_e164(raw) == e164


@pytest.mark.parametrize("raw", ["1", "999", "call me", "+91 123"])
def test_impossible_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError):
        phone_to_e164(raw)


def test_phone_region_comes_from_settings(settings):
    settings.CAREBOOK_PHONE_REGION = "GB"
    assert phone_to_e164("020 7946 0123") == "+442079460123"


@pytest.mark.parametrize(
    "born,ok",
    [
        (date(2026, 3, 1), True),
        (date(2026, 3, 3), False),  # tomorrow
        (date(1900, 1, 1), True),
        (date(1899, 12, 31), False),
        ("1990-04-01", True),
    ],
)
def test_only_plausible_birth_dates(born, ok):
    today = date(2026, 3, 2)
    if ok:
        assert birth_date_check(born, today=today)
    else:
        with pytest.raises(ValidationError):
            birth_date_check(born, today=today)


def test_nobody_is_older_than_130():
    with pytest.raises(ValidationError):
        birth_date_check(date(2040, 1, 1), today=date(2170, 6, 1))


@pytest.mark.django_db
def test_long_s_logs_into_the_account_of_s_at_the_site(client):
    user = PatientFactory(email="sunita@example.test")
    response = client.post("/account/login/", {"email": "ſunita@example.test", "password": PW})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_long_s_gets_a_token_for_the_account_of_s_at_the_api(client):
    user = PatientFactory(email="sunita@example.test")
    response = client.post(
        "/api/v1/auth/token",
        {"email": "ſUNITA@example.test", "password": PW},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["user"]["id"] == user.pk


@pytest.mark.django_db
def test_a_lookalike_address_reaches_no_account(client):
    PatientFactory(email="paypal@example.test")
    response = client.post("/account/login/", {"email": "pаypal@example.test", "password": PW})
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_new_accounts_store_the_normal_spelling():
    user = User.objects.create_user("ＳＵＮＩＴＡ@Example.test", PW, full_name="S")
    assert user.email == "sunita@example.test"
    assert User.objects.get_by_natural_key("ſunita@EXAMPLE.test") == user


@pytest.mark.django_db
def test_the_data_migration_normalises_stored_emails_and_leaves_collisions(caplog):
    migration = importlib.import_module("carebook.accounts.migrations.0006_normalise_emails")
    asha = PatientFactory(email="asha@example.test")
    sunita = PatientFactory(email="sunita@example.test")
    twin = PatientFactory(email="x@example.test")
    User.objects.filter(pk=asha.pk).update(email="Asha@Example.TEST")
    User.objects.filter(pk=twin.pk).update(email="ſunita@example.test")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    with caplog.at_level(logging.WARNING):
        migration.normalise_emails(apps, editor)

    asha.refresh_from_db()
    twin.refresh_from_db()
    sunita.refresh_from_db()
    assert asha.email == "asha@example.test"
    assert (sunita.email, twin.email) == ("sunita@example.test", "ſunita@example.test")
    assert "belongs to another account" in caplog.text


@pytest.mark.django_db
def test_registration_and_profile_forms_store_e164_and_refuse_odd_birth_dates(client):
    patient = PatientFactory()
    client.force_login(patient)
    data = {"full_name": "N", "phone": "98450 12345", "gender": "male", "blood_group": "B+"}
    ok = client.post("/account/profile/", {**data, "date_of_birth": "1980-01-01"})
    assert ok.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "+919845012345"
    bad = client.post("/account/profile/", {**data, "date_of_birth": "1850-01-01"})
    assert bad.status_code == 400 and 'id="id_date_of_birth_error"' in bad.content.decode()
    bad_phone = client.post("/account/profile/", {**data, "phone": "999"})
    assert bad_phone.status_code == 400 and 'id="id_phone_error"' in bad_phone.content.decode()


@pytest.mark.parametrize("invisible", ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_invisible_characters_do_not_make_a_second_mailbox(invisible):
    assert email_normalise(f"victim@gm{invisible}ail.com") == "victim@gmail.com"
    assert email_normalise(f"vic{invisible}tim@gmail.com") == "victim@gmail.com"
