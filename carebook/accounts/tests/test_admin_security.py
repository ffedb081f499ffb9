"""The admin door keeps the same security rules: step-up before account actions, and a password
set there revokes every credential like a change or a reset does."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.accounts.tokens import token_create
from carebook.core.security_log import SecurityEvent

pytestmark = pytest.mark.django_db
LATER = timedelta(minutes=11)
CHANGELIST = "/admin/accounts/user/"


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(StaffFactory())
    return client


def suspend(client, user):
    return client.post(CHANGELIST, {"action": "suspend_users", "_selected_action": [user.pk]})


def test_admin_account_actions_ask_to_confirm_it_is_you_after_ten_minutes(staff_client):
    patient = PatientFactory()
    with time_machine.travel(LATER):
        response = suspend(staff_client, patient)
    assert response.status_code == 302 and "/account/confirm/" in response["Location"]
    patient.refresh_from_db()
    assert patient.state == User.State.ACTIVE


def test_a_fresh_admin_session_suspends(staff_client):
    patient = PatientFactory()
    assert suspend(staff_client, patient).status_code == 302
    patient.refresh_from_db()
    assert patient.state == User.State.SUSPENDED


def test_a_password_set_in_the_admin_revokes_tokens_and_is_logged(staff_client):
    patient = PatientFactory()
    token, raw = token_create(user=patient)
    response = staff_client.post(
        f"{CHANGELIST}{patient.pk}/password/",
        {"password1": "a-new-long-pass-9", "password2": "a-new-long-pass-9"},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/auth/me").status_code == 401
    assert SecurityEvent.objects.filter(user=patient, kind="password_changed").exists()
