"""The office's account changes ask staff to confirm it is them after ten minutes; staff reset
a person's two-factor authentication (a lost phone)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from carebook.accounts import mfa
from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.accounts.tests.mfa_support import enrol, enrol_with_codes
from carebook.accounts.tokens import token_create, token_get_live
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.core.security_log import SecurityEvent
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db
LATER = timedelta(minutes=11)


@pytest.fixture
def staff_client(client):
    staff = StaffFactory()
    client.force_login(staff)
    client.user = staff
    return client


@pytest.mark.parametrize("action", ["office:user_suspend", "office:user_approve"])
def test_an_account_change_after_ten_minutes_asks_again_and_changes_nothing(staff_client, action):
    target = PatientFactory(state=User.State.PENDING if "approve" in action else User.State.ACTIVE)
    url = reverse(action, args=[target.pk])
    with time_machine.travel(LATER):
        response = staff_client.post(url, {"next": "/office/users/"})
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('step_up')}?next=%2Foffice%2Fusers%2F"
        target.refresh_from_db()
        state = target.state
        assert (
            staff_client.post(reverse("step_up"), {"secret": "pw-for-tests-1"}).status_code == 302
        )
        assert staff_client.post(url, {"next": "/office/users/"}).status_code == 302
    target.refresh_from_db()
    assert target.state != state


def test_a_fresh_login_changes_accounts_at_once(staff_client):
    target = PatientFactory()
    staff_client.post(reverse("office:user_suspend", args=[target.pk]))
    target.refresh_from_db()
    assert target.state == User.State.SUSPENDED


def test_staff_reset_a_practitioners_two_factor_and_end_their_sessions(staff_client):
    user = PractitionerFactory().user
    enrol_with_codes(user)
    _token, raw = token_create(user=user)
    theirs = Client()
    theirs.force_login(user)
    assert theirs.get("/practice/").status_code == 200

    response = staff_client.post(
        reverse("office:user_mfa_reset", args=[user.pk]), {"next": "/office/users/"}
    )
    assert response.status_code == 302 and response["Location"] == "/office/users/"
    assert not mfa.mfa_enrolled(user) and mfa.recovery_codes_left(user) == 0
    assert token_get_live(raw=raw, now=utcnow()) is None
    assert theirs.get("/practice/").status_code == 302  # their session is over
    event = SecurityEvent.objects.get(kind="mfa_reset")
    assert event.user == user and str(staff_client.user.pk) in event.detail
    # Their next login sets up a new authenticator.
    login = Client().post(reverse("login"), {"email": user.email, "password": "pw-for-tests-1"})
    assert login["Location"] == reverse("login_enrol")


def test_mfa_reset_asks_staff_again_after_ten_minutes(staff_client):
    user = PractitionerFactory().user
    enrol(user)
    with time_machine.travel(LATER):
        response = staff_client.post(reverse("office:user_mfa_reset", args=[user.pk]))
    assert response["Location"].startswith(reverse("step_up"))
    assert mfa.mfa_enrolled(user)


def test_only_staff_reset_two_factor(client):
    user = PractitionerFactory().user
    enrol(user)
    client.force_login(PatientFactory())
    assert client.post(reverse("office:user_mfa_reset", args=[user.pk])).status_code == 404
    assert mfa.mfa_enrolled(user)


def test_the_users_page_offers_the_reset(staff_client):
    user = PractitionerFactory().user
    page = staff_client.get(reverse("office:users")).content.decode()
    assert reverse("office:user_mfa_reset", args=[user.pk]) in page
