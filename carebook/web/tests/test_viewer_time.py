"""A patient in India sees a London doctor's times in London time and, labelled, in their own."""

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory
from carebook.booking.tests.factories import bookable_calendar
from carebook.core.viewer import COOKIE

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def picker_html(client, cal) -> str:
    return client.get(f"/practitioners/{cal.practitioner.pk}/").content.decode()


def test_slots_show_the_browsers_time_under_the_places():
    cal = bookable_calendar(time_zone="Europe/London", start=time(9), end=time(10))
    client = Client()
    client.cookies[COOKIE] = "Asia%2FKolkata"
    html = picker_html(client, cal)
    assert "under each, your time (Asia/Kolkata)" in html
    assert '09:00<span class="yours">14:30</span>' in html  # 09:00 GMT is 14:30 IST
    assert "14:30 your time (Asia/Kolkata)" in html  # in the slot's accessible name


def test_the_profiles_zone_wins_and_the_same_zone_shows_once():
    cal = bookable_calendar(time_zone="Asia/Kolkata", start=time(9), end=time(10))
    patient = PatientFactory(time_zone="Asia/Kolkata")
    client = Client()
    client.force_login(patient)
    client.cookies[COOKIE] = "Europe%2FLondon"
    html = picker_html(client, cal)
    assert 'class="yours"' not in html and "your time" not in html


def test_a_bad_cookie_is_ignored():
    cal = bookable_calendar(time_zone="Europe/London", start=time(9), end=time(10))
    client = Client()
    client.cookies[COOKIE] = "Mars/Olympus"
    assert 'class="yours"' not in picker_html(client, cal)


def test_the_browsers_old_name_for_indias_zone_is_indias_zone():
    cal = bookable_calendar(time_zone="Asia/Kolkata", start=time(9), end=time(10))
    client = Client()
    client.cookies[COOKIE] = "Asia%2FCalcutta"  # what Chromium reports in India
    assert "your time" not in picker_html(client, cal)
