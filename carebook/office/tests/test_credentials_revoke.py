"""Staff end anyone's sessions, API tokens and calendar feeds from the users page."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from carebook.accounts.models import ApiToken
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.accounts.tokens import token_create
from carebook.core.security_log import SecurityEvent
from carebook.notifications.models import CalendarFeedToken
from carebook.notifications.services import calendar_token_issue

pytestmark = pytest.mark.django_db

PAGE = "/account/profile/"


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def test_users_page_offers_the_button_for_others_only(staff_client, staff):
    patient = PatientFactory()
    body = staff_client.get(reverse("office:users")).content.decode()
    assert reverse("office:user_credentials_revoke", args=[patient.pk]) in body
    assert reverse("office:user_credentials_revoke", args=[staff.pk]) not in body


def test_staff_sign_a_patient_out_everywhere(staff_client, staff):
    patient = PatientFactory()
    device = Client()
    device.force_login(patient)
    assert device.get(PAGE).status_code == 200
    token_create(user=patient)
    calendar_token_issue(user=patient)

    url = reverse("office:user_credentials_revoke", args=[patient.pk])
    assert staff_client.get(url).status_code == 405
    done = staff_client.post(url, {"next": "/office/users/?q=x"}, follow=True)

    assert done.redirect_chain[0][0] == "/office/users/?q=x"
    assert "signed out everywhere" in done.content.decode()
    assert device.get(PAGE).status_code == 302
    assert not ApiToken.objects.filter(user=patient, revoked_at__isnull=True).exists()
    assert not CalendarFeedToken.objects.filter(user=patient, revoked_at__isnull=True).exists()
    event = SecurityEvent.objects.get(user=patient, kind="sessions_revoked")
    assert event.detail.startswith(f"revoked by staff by {staff.email}")
    assert staff_client.get(PAGE).status_code == 200  # staff's own session is untouched


def test_patients_cannot_use_the_action(client):
    victim = PatientFactory()
    token, _raw = token_create(user=victim)
    client.force_login(PatientFactory())
    assert (
        client.post(reverse("office:user_credentials_revoke", args=[victim.pk])).status_code == 404
    )
    token.refresh_from_db()
    assert token.revoked_at is None


def test_after_ten_minutes_staff_confirm_it_is_them_first(staff_client):
    patient = PatientFactory()
    token, _raw = token_create(user=patient)
    url = reverse("office:user_credentials_revoke", args=[patient.pk])
    with time_machine.travel(timedelta(minutes=11)):
        response = staff_client.post(url, {"next": "/office/users/"})
        assert response["Location"].startswith(reverse("step_up"))
        token.refresh_from_db()
        assert token.revoked_at is None
        staff_client.post(reverse("step_up"), {"secret": "pw-for-tests-1"})
        staff_client.post(url, {"next": "/office/users/"})
    token.refresh_from_db()
    assert token.revoked_at is not None
