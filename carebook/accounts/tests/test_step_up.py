"""Step-up: a sensitive change asks for the password or a code again after ten minutes; the
security page where a person manages their own second factor."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from carebook.accounts import mfa
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.accounts.tests.mfa_support import code_for, enrol
from carebook.core.security_log import SecurityEvent

pytestmark = pytest.mark.django_db
PW = "pw-for-tests-1"
LATER = timedelta(minutes=11)


@pytest.fixture
def patient_client(client):
    patient = PatientFactory()
    client.force_login(patient)
    client.user = patient
    return client


def test_a_fresh_login_needs_no_step_up(patient_client):
    assert patient_client.get(reverse("authenticator_setup")).status_code == 200


def test_after_ten_minutes_the_password_is_asked_again(patient_client):
    with time_machine.travel(LATER):
        response = patient_client.get(reverse("authenticator_setup"))
        assert response.status_code == 302
        assert (
            response["Location"]
            == f"{reverse('step_up')}?next=%2Faccount%2Fsecurity%2Fauthenticator%2F"
        )
        page = patient_client.get(response["Location"])
        assert page.status_code == 200 and 'name="next"' in page.content.decode()

        wrong = patient_client.post(
            reverse("step_up"), {"secret": "wrong-one", "next": reverse("authenticator_setup")}
        )
        assert wrong.status_code == 400
        assert patient_client.get(reverse("authenticator_setup")).status_code == 302

        ok = patient_client.post(
            reverse("step_up"), {"secret": PW, "next": reverse("authenticator_setup")}
        )
        assert ok.status_code == 302 and ok["Location"] == reverse("authenticator_setup")
        assert patient_client.get(reverse("authenticator_setup")).status_code == 200
    events = SecurityEvent.objects.filter(kind="step_up").values_list("detail", flat=True)
    assert sorted(events) == ["", "refused"]


def test_a_code_also_steps_up(client):
    staff = StaffFactory()
    enrol(staff)
    client.force_login(staff)
    with time_machine.travel(LATER):
        ok = client.post(reverse("step_up"), {"secret": code_for(staff), "next": "/office/"})
        assert ok.status_code == 302 and ok["Location"] == "/office/"


def test_step_up_never_sends_off_site(patient_client):
    response = patient_client.post(
        reverse("step_up"), {"secret": PW, "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_a_post_after_ten_minutes_goes_back_to_its_page_and_changes_nothing(patient_client):
    enrol(patient_client.user)
    with time_machine.travel(LATER):
        response = patient_client.post(
            reverse("authenticator_remove"), HTTP_REFERER="http://testserver/account/security/"
        )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("step_up"))
    assert "next=http%3A%2F%2Ftestserver%2Faccount%2Fsecurity%2F" in response["Location"]
    assert mfa.mfa_enrolled(patient_client.user)


def test_a_patient_turns_two_factor_on_and_off(patient_client):
    page = patient_client.get(reverse("security")).content.decode()
    assert "Turn on two-factor" in page
    # A GET only shows a start button: the key is made by the POST.
    start = patient_client.get(reverse("authenticator_setup")).content.decode()
    assert 'class="segno"' not in start
    assert patient_client.post(reverse("authenticator_setup"), {"start": "1"}).status_code == 302
    shown = patient_client.get(reverse("authenticator_setup")).content.decode()
    assert 'class="segno"' in shown and "style=" not in shown
    key = patient_client.session["carebook_mfa_setup_key"]
    code = f"{totp(TOTPDevice(key=key).bin_key):06d}"
    done = patient_client.post(reverse("authenticator_setup"), {"code": code})
    assert done.status_code == 200
    assert len(re.findall(r"<code>[a-z2-7-]{27}</code>", done.content.decode())) == 10
    assert mfa.mfa_enrolled(patient_client.user)

    fresh = patient_client.post(reverse("recovery_codes_new"))
    assert len(re.findall(r"<code>[a-z2-7-]{27}</code>", fresh.content.decode())) == 10
    assert mfa.recovery_codes_left(patient_client.user) == 10

    assert patient_client.post(reverse("authenticator_remove")).status_code == 302
    assert not mfa.mfa_enrolled(patient_client.user)
    assert mfa.recovery_codes_left(patient_client.user) == 0


def test_staff_cannot_turn_two_factor_off(client):
    staff = StaffFactory()
    enrol(staff)
    client.force_login(staff)
    page = client.get(reverse("security")).content.decode()
    assert reverse("authenticator_remove") not in page
    client.post(reverse("authenticator_remove"))
    assert mfa.mfa_enrolled(staff)
