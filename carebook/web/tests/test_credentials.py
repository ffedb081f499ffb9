"""The page of one's own API tokens and calendar feed, each with a revoke button."""

import pytest
from django.test import Client

from carebook.accounts.models import ApiToken
from carebook.accounts.tests.factories import PatientFactory
from carebook.accounts.tokens import token_create
from carebook.core.security_log import SecurityEvent
from carebook.notifications.models import CalendarFeedToken
from carebook.notifications.services import calendar_token_issue

pytestmark = pytest.mark.django_db

PAGE = "/account/credentials/"


@pytest.fixture
def patient():
    return PatientFactory()


@pytest.fixture
def me(client, patient):
    client.force_login(patient)
    return client


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get(PAGE)["Location"].startswith("/account/login/")


def test_lists_my_live_tokens_and_feed_only(me, patient):
    mine, _raw = token_create(user=patient, name="my script")
    gone, _raw = token_create(user=patient, name="old script")
    gone.revoked_at = gone.created_at
    gone.save()
    theirs, _raw = token_create(user=PatientFactory(), name="someone else's")
    calendar_token_issue(user=patient)
    page = me.get(PAGE)
    assert page.status_code == 200
    body = page.content.decode()
    assert "my script" in body and mine.prefix in body
    assert "old script" not in body and "someone else" not in body and theirs.prefix not in body
    assert "A private feed address is active" in body
    assert "<script>" not in body and "style=" not in body.split("<main", 1)[1]


def test_revoke_one_token(me, patient):
    token, raw = token_create(user=patient)
    other, other_raw = token_create(user=patient)
    assert me.get(f"{PAGE}tokens/{token.pk}/revoke/").status_code == 405
    response = me.post(f"{PAGE}tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == PAGE
    token.refresh_from_db()
    assert token.revoked_at is not None
    api = Client()
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert api.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {other_raw}").status_code == 200
    assert SecurityEvent.objects.filter(user=patient, kind="token_revoked").count() == 1


def test_cannot_revoke_someone_elses_token(me):
    theirs, _raw = token_create(user=PatientFactory())
    assert me.post(f"{PAGE}tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_turn_the_feed_off(me, patient):
    feed = calendar_token_issue(user=patient)
    assert me.post(f"{PAGE}feed/revoke/")["Location"] == PAGE
    assert not CalendarFeedToken.objects.filter(user=patient, revoked_at__isnull=True).exists()
    assert Client().get(f"/notifications/calendar/{feed}.ics").status_code == 404
    assert SecurityEvent.objects.filter(user=patient, kind="feed_revoked").exists()


def test_sign_out_everywhere_keeps_this_session(me, patient):
    other = Client()
    other.force_login(patient)
    assert other.get(PAGE).status_code == 200
    token_create(user=patient)
    calendar_token_issue(user=patient)
    assert me.post(f"{PAGE}sign-out-everywhere/")["Location"] == PAGE
    assert me.get(PAGE).status_code == 200
    assert other.get(PAGE).status_code == 302
    assert not ApiToken.objects.filter(user=patient, revoked_at__isnull=True).exists()
    assert not CalendarFeedToken.objects.filter(user=patient, revoked_at__isnull=True).exists()
