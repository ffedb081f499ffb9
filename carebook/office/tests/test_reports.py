"""The office's reports page: staff only; the period beside the one before; numbers as the API."""

import pytest
from django.urls import reverse

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.api.tests.conftest import book, local_start
from carebook.booking.services import appointment_confirm
from carebook.booking.tests.factories import bookable_calendar

pytestmark = pytest.mark.django_db
URL = reverse("office:reports")


def test_only_staff_open_the_page(client):
    assert client.get(URL).status_code == 302
    client.force_login(PatientFactory())
    assert client.get(URL).status_code == 404


def test_a_custom_period_shows_counts_money_and_peak_hours(client):
    cal = bookable_calendar()
    visit = book(cal, PatientFactory(), local_start(1, 9))
    appointment_confirm(appointment=visit, by=cal.practitioner.user)
    day = visit.start.astimezone(visit.location.tz).date()
    client.force_login(StaffFactory())
    response = client.get(
        URL, {"period": "custom", "first_day": day, "last_day": day, "group_by": "day"}
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert ("Confirmed", 1, 0) in report["totals"]
    day_row, hours = report["heat"][day.weekday()]
    assert hours[9] == (1, 4)  # the busiest hour, darkest
    html = response.content.decode()
    assert "When patients come" in html and "Money (INR)" in html
    assert reverse("office:reports") in client.get(reverse("office:dashboard")).content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom"},
        {"period": "custom", "first_day": "2026-03-02", "last_day": "2026-03-01"},
        {"period": "custom", "first_day": "2020-01-01", "last_day": "2026-03-01"},
        {"period": "sometime"},
    ],
)
def test_bad_choices_are_a_form_error_not_a_500(client, params):
    client.force_login(StaffFactory())
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.context["form"].errors
