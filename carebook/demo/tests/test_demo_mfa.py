"""The demo staff and doctor log in with the fixed, documented TOTP key."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from carebook.accounts.tests.factories import StaffFactory
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.demo import logins
from carebook.demo.mfa import demo_totp_code, demo_totp_uri, seed_demo_mfa
from carebook.demo.summary import Summary

pytestmark = pytest.mark.django_db


def test_demo_staff_and_doctor_get_the_documented_key_once():
    staff = StaffFactory(email=logins.STAFF_LOGIN[0])
    PractitionerFactory(user__email=logins.DOCTOR_LOGIN[0])
    summary = Summary()
    seed_demo_mfa(summary=summary)
    seed_demo_mfa(summary=summary)
    assert summary.created == {"authenticators": 2}
    assert TOTPDevice.objects.count() == 2
    assert "CAREBOOKDEMOTWOFACTORSECRETKEY22" in demo_totp_uri(staff.email)

    token = Client().post(
        "/api/v1/auth/token",
        {"email": staff.email, "password": "pw-for-tests-1", "otp": demo_totp_code()},
        content_type="application/json",
    )
    assert token.status_code == 201
