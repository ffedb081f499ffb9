"""Two-factor authentication at every login door: the site, /admin/ and the API token."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from carebook.accounts import mfa
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.accounts.tests.mfa_support import KEY, code_for, enrol, enrol_with_codes
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.core.security_log import SecurityEvent

pytestmark = pytest.mark.django_db
PW = "pw-for-tests-1"


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def password_step(client, user, **extra):
    return client.post(reverse("login"), {"email": user.email, "password": PW, **extra})


def kinds() -> list[str]:
    return list(SecurityEvent.objects.order_by("id").values_list("kind", flat=True))


@pytest.fixture
def staff():
    user = StaffFactory()
    enrol(user)
    return user


# --- the site -------------------------------------------------------------------------------


def test_staff_password_alone_does_not_log_in_the_code_does(client, staff):
    response = password_step(client, staff, next="/office/users/")
    assert response.status_code == 302 and response["Location"] == reverse("login_code")
    assert not logged_in(client)
    assert client.get("/office/").status_code == 302  # still anonymous

    wrong = client.post(reverse("login_code"), {"code": "000000"})
    assert wrong.status_code == 400 and not logged_in(client)
    assert "not right" in wrong.content.decode()

    too_soon = client.post(reverse("login_code"), {"code": code_for(staff)})
    assert "Too many wrong codes" in too_soon.content.decode() and not logged_in(client)
    with time_machine.travel(timedelta(seconds=3)):  # django-otp waits after each miss
        done = client.post(reverse("login_code"), {"code": code_for(staff)})
    assert done.status_code == 302 and done["Location"] == "/office/users/"
    assert logged_in(client)
    assert kinds()[-2:] == ["mfa_verified", "login"] and "mfa_failed" in kinds()


def test_a_code_works_once(client, staff):
    code = code_for(staff)
    password_step(client, staff)
    assert client.post(reverse("login_code"), {"code": code}).status_code == 302
    other = Client()
    password_step(other, staff)
    assert other.post(reverse("login_code"), {"code": code}).status_code == 400
    assert not logged_in(other)


def test_the_code_page_without_a_password_first_sends_to_login(client):
    response = client.get(reverse("login_code"))
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_a_half_done_login_expires(client, staff):
    password_step(client, staff)
    with time_machine.travel(timedelta(minutes=6)):
        response = client.post(reverse("login_code"), {"code": code_for(staff)})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not logged_in(client)


def test_a_practitioner_without_an_authenticator_sets_one_up_before_anything(client):
    practitioner = PractitionerFactory()
    user = practitioner.user
    response = password_step(client, user)
    assert response["Location"] == reverse("login_enrol")
    assert not logged_in(client)
    assert client.get("/practice/").status_code == 302

    page = client.get(reverse("login_enrol"))
    html = page.content.decode()
    assert page.status_code == 200 and 'class="segno"' in html and "style=" not in html
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", html).group(1).replace(" ", "")
    key = TOTPDevice(key=client.session["carebook_login_pending"]["key"]).bin_key
    assert mfa.totp_secret_base32(key.hex()) == secret
    assert not TOTPDevice.objects.filter(user=user).exists()  # a GET writes nothing

    assert client.post(reverse("login_enrol"), {"code": "123456"}).status_code == 400
    assert not logged_in(client)
    done = client.post(reverse("login_enrol"), {"code": f"{totp(key):06d}"})
    assert done.status_code == 200 and logged_in(client)
    codes = re.findall(r"<code>([a-z2-7-]{27})</code>", done.content.decode())
    assert len(codes) == 10 == len(set(codes))
    assert TOTPDevice.objects.get(user=user).confirmed
    # Only keyed hashes are stored.
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert stored == {mfa.recovery_code_digest(c) for c in codes} and not stored & set(codes)
    assert "mfa_enrolled" in kinds()


def test_a_recovery_code_logs_in_once(client, staff):
    codes = enrol_with_codes(staff, KEY)
    password_step(client, staff)
    response = client.post(reverse("login_code"), {"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302 and logged_in(client)
    assert mfa.recovery_codes_left(staff) == 9
    assert "recovery_code_used" in kinds()
    again = Client()
    password_step(again, staff)
    assert again.post(reverse("login_code"), {"code": codes[3]}).status_code == 400


def test_a_patient_without_two_factor_logs_in_with_the_password(client):
    patient = PatientFactory()
    assert password_step(client, patient).status_code == 302 and logged_in(client)


def test_a_patient_who_turned_it_on_is_asked_for_the_code(client):
    patient = PatientFactory()
    enrol(patient)
    response = password_step(client, patient)
    assert response["Location"] == reverse("login_code") and not logged_in(client)
    assert client.post(reverse("login_code"), {"code": code_for(patient)}).status_code == 302
    assert logged_in(client)


def test_wrong_codes_count_towards_the_login_throttle(client, staff):
    password_step(client, staff)
    statuses = [
        client.post(reverse("login_code"), {"code": "000000"}).status_code for _ in range(8)
    ]
    assert 429 in statuses
    assert client.post(reverse("login_code"), {"code": code_for(staff)}).status_code == 429
    assert not logged_in(client)


# --- /admin/ --------------------------------------------------------------------------------


def admin_login(client, user, code=None):
    data = {"username": user.email, "password": PW, "next": "/admin/"}
    if code is not None:
        data["otp_token"] = code
    return client.post(reverse("admin:login"), data)


def test_admin_login_needs_the_code(client, staff):
    page = client.get(reverse("admin:login")).content.decode()
    assert 'name="otp_token"' in page
    assert "Enter the 6-digit code" in admin_login(client, staff).content.decode()
    assert not logged_in(client)
    assert admin_login(client, staff, "000000").status_code == 200 and not logged_in(client)
    with time_machine.travel(timedelta(seconds=3)):  # django-otp waits after each miss
        assert admin_login(client, staff, code_for(staff)).status_code == 302
    assert logged_in(client) and client.get("/admin/").status_code == 200


def test_admin_login_of_staff_without_an_authenticator_is_refused(client):
    user = StaffFactory()
    response = admin_login(client, user, "123456")
    assert "Log in on the website once" in response.content.decode()
    assert not logged_in(client)


# --- the API token --------------------------------------------------------------------------


def obtain(user, otp=None):
    body = {"email": user.email, "password": PW}
    if otp is not None:
        body["otp"] = otp
    return Client().post("/api/v1/auth/token", body, content_type="application/json")


def test_token_for_staff_needs_the_code(staff):
    missing = obtain(staff)
    assert missing.status_code == 401 and missing.json()["code"] == "mfa_required"
    wrong = obtain(staff, "000000")
    assert wrong.status_code == 401 and wrong.json()["code"] == "mfa_invalid"
    with time_machine.travel(timedelta(seconds=2)):  # django-otp waits a second after a miss
        ok = obtain(staff, code_for(staff))
    assert ok.status_code == 201 and ok.json()["user"]["role"] == "staff"


def test_token_for_a_practitioner_without_an_authenticator_is_refused():
    user = PractitionerFactory().user
    response = obtain(user, "123456")
    assert response.status_code == 401 and response.json()["code"] == "mfa_required"
    assert "website" in response.json()["detail"]


def test_token_for_a_patient_needs_a_code_only_once_they_turned_it_on():
    patient = PatientFactory()
    assert obtain(patient).status_code == 201
    enrol(patient)
    assert obtain(patient).json()["code"] == "mfa_required"
    assert obtain(patient, code_for(patient)).status_code == 201


def test_token_accepts_a_recovery_code(staff):
    codes = enrol_with_codes(staff)
    assert obtain(staff, codes[0]).status_code == 201
    assert obtain(staff, codes[0]).json()["code"] == "mfa_invalid"


# --- templates ------------------------------------------------------------------------------


def test_the_new_pages_have_no_inline_script_or_style():
    root = Path(mfa.__file__).parent / "templates" / "accounts"
    names = [
        "login_code.html",
        "login_enrol.html",
        "_authenticator_qr.html",
        "recovery_codes.html",
        "security.html",
        "authenticator_setup.html",
        "step_up.html",
    ]
    for name in names:
        text = (root / name).read_text()
        assert "<script" not in text and "<style" not in text and "style=" not in text, name
