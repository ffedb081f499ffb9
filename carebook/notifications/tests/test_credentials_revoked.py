"""When a user's credentials are revoked, every calendar feed URL of theirs stops working."""

import pytest

from carebook.accounts.tests.factories import PatientFactory
from carebook.core import events
from carebook.core.security_log import SecurityEvent
from carebook.notifications.models import CalendarFeedToken
from carebook.notifications.selectors import calendar_token_find
from carebook.notifications.services import calendar_token_issue

pytestmark = pytest.mark.django_db


def test_the_event_revokes_that_users_feeds_only():
    patient, other = PatientFactory(), PatientFactory()
    mine, theirs = calendar_token_issue(user=patient), calendar_token_issue(user=other)
    events.emit(events.CREDENTIALS_REVOKED, user=patient, by=None, reason="password reset")
    assert calendar_token_find(token=mine) is None
    assert calendar_token_find(token=theirs) is not None
    assert not CalendarFeedToken.objects.filter(user=patient, revoked_at__isnull=True).exists()
    event = SecurityEvent.objects.get(user=patient, kind="feed_revoked")
    assert event.detail == "password reset"


def test_no_feed_no_event():
    patient = PatientFactory()
    events.emit(events.CREDENTIALS_REVOKED, user=patient, by=None, reason="password reset")
    assert not SecurityEvent.objects.filter(kind="feed_revoked").exists()


def test_replacing_a_feed_is_logged_as_revoking_the_old_one():
    patient = PatientFactory()
    calendar_token_issue(user=patient)
    calendar_token_issue(user=patient)
    assert SecurityEvent.objects.get(user=patient, kind="feed_revoked").detail == "replaced"
