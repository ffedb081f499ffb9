"""Revoking credentials ends sessions, API tokens and calendar feeds, on every trigger."""

import re

import pytest
from django.core import mail
from django.test import Client

from carebook.accounts import credentials
from carebook.accounts.models import ApiToken, User
from carebook.accounts.services import user_reactivate, user_suspend
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.accounts.tokens import token_create
from carebook.core.errors import PermissionDenied
from carebook.core.security_log import SecurityEvent
from carebook.notifications.models import CalendarFeedToken
from carebook.notifications.services import calendar_token_issue

pytestmark = pytest.mark.django_db

PW = "pw-for-tests-1"
NEW_PW = "brand-new-phrase-9"
PAGE = "/account/profile/"


class Credentials:
    """A patient signed in on two devices, with an API token and a calendar feed."""

    def __init__(self, user=None):
        self.user = user or PatientFactory()
        self.laptop, self.phone = Client(), Client()
        for client in (self.laptop, self.phone):
            client.force_login(self.user)
            assert client.get(PAGE).status_code == 200
        self.token, self.raw = token_create(user=self.user)
        self.feed = calendar_token_issue(user=self.user)

    def api_works(self) -> bool:
        me = Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {self.raw}")
        return me.status_code == 200

    def feed_works(self) -> bool:
        return Client().get(f"/notifications/calendar/{self.feed}.ics").status_code == 200

    def signed_in(self, client) -> bool:
        return client.get(PAGE).status_code == 200

    def all_revoked(self) -> bool:
        return (
            not self.api_works()
            and not self.feed_works()
            and not ApiToken.objects.filter(user=self.user, revoked_at__isnull=True).exists()
            and not CalendarFeedToken.objects.filter(
                user=self.user, revoked_at__isnull=True
            ).exists()
        )


def test_the_fixture_starts_with_everything_working():
    c = Credentials()
    assert c.api_works() and c.feed_works()
    assert c.signed_in(c.laptop) and c.signed_in(c.phone)
    assert SecurityEvent.objects.filter(user=c.user, kind="token_created").count() == 1


def test_credentials_revoke_ends_sessions_tokens_and_feeds():
    c = Credentials()
    staff = StaffFactory()
    credentials.credentials_revoke(user=c.user, by=staff, reason="lost phone")
    assert c.all_revoked()
    assert not c.signed_in(c.laptop) and not c.signed_in(c.phone)
    c.user.refresh_from_db()
    assert c.user.session_epoch == 1
    kinds = set(SecurityEvent.objects.filter(user=c.user).values_list("kind", flat=True))
    assert {"sessions_revoked", "token_revoked", "feed_revoked"} <= kinds
    event = SecurityEvent.objects.get(user=c.user, kind="sessions_revoked")
    assert event.detail == f"lost phone by {staff.email}; 1 API token(s)"


def test_only_the_user_or_staff_may_revoke():
    c = Credentials()
    with pytest.raises(PermissionDenied):
        credentials.credentials_revoke(user=c.user, by=PatientFactory(), reason="prank")
    assert c.api_works() and c.signed_in(c.laptop)


def test_suspension_revokes_and_reactivation_revives_nothing():
    c = Credentials()
    staff = StaffFactory()
    user_suspend(user=c.user, by=staff)
    assert c.all_revoked()
    assert not c.signed_in(c.laptop)
    assert SecurityEvent.objects.filter(user=c.user, kind="suspended").exists()
    user_reactivate(user=c.user, by=staff)
    assert c.all_revoked()
    assert not c.signed_in(c.phone)
    assert c.laptop.post("/account/login/", {"email": c.user.email, "password": PW})[
        "Location"
    ] == ("/appointments/")


def test_a_rejected_practitioner_registration_revokes_too():
    practitioner = UserFactory(role=User.Role.PRACTITIONER)
    token, raw = token_create(user=practitioner)
    user_suspend(user=practitioner, by=StaffFactory())
    token.refresh_from_db()
    assert token.revoked_at is not None


# --- changing the password --------------------------------------------------------------------


def change(client, old=PW, new1=NEW_PW, new2=NEW_PW):
    return client.post(
        "/account/password/",
        {"old_password": old, "new_password1": new1, "new_password2": new2},
    )


def test_password_change_page_opens_for_anyone_logged_in(client):
    assert client.get("/account/password/")["Location"].startswith("/account/login/")
    client.force_login(PatientFactory())
    page = client.get("/account/password/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="old_password"' in body and 'name="new_password2"' in body
    assert "<script>" not in body and "style=" not in body.split("<main", 1)[1]


@pytest.mark.parametrize(
    "old, new1, new2, message",
    [
        ("wrong", NEW_PW, NEW_PW, "Your old password was entered incorrectly"),
        (PW, NEW_PW, NEW_PW + "x", "The two password fields didn"),
        (PW, "short", "short", "This password is too short"),
        (PW, "12345678901", "12345678901", "This password is entirely numeric"),
    ],
)
def test_password_change_refuses_bad_input(old, new1, new2, message):
    c = Credentials()
    response = change(c.laptop, old, new1, new2)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert c.api_works() and c.feed_works() and c.signed_in(c.phone)


def test_password_change_keeps_this_session_and_ends_the_rest():
    c = Credentials()
    response = change(c.laptop)
    assert response.status_code == 302 and response["Location"] == PAGE
    assert c.signed_in(c.laptop)
    assert not c.signed_in(c.phone)
    assert c.all_revoked()
    kinds = list(SecurityEvent.objects.filter(user=c.user).values_list("kind", flat=True))
    assert "password_changed" in kinds and "sessions_revoked" in kinds
    fresh = Client()
    assert fresh.post("/account/login/", {"email": c.user.email, "password": NEW_PW})[
        "Location"
    ] == ("/appointments/")


# --- resetting the password -------------------------------------------------------------------


def test_password_reset_complete_revokes_everything():
    c = Credentials()
    c.user.set_password(NEW_PW)
    c.user.save()
    credentials.password_reset_complete(user=c.user)
    assert c.all_revoked()
    assert SecurityEvent.objects.filter(user=c.user, kind="password_reset").exists()


def test_password_reset_by_link_revokes_everything():
    c = Credentials()
    # Django's own session check already ends sessions on a new password hash; tokens and
    # feeds need the hook.
    Client().post("/account/password-reset/", {"email": c.user.email})
    link = re.search(r"http://testserver(/account/password-reset/\S+/)", mail.outbox[-1].body)
    browser = Client()
    form_page = browser.get(link.group(1), follow=True)
    done = browser.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PW, "new_password2": NEW_PW}
    )
    assert done.status_code == 302
    assert c.all_revoked()
