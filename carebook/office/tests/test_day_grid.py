"""The front desk's day: practitioners by time, with free, booked, arrived and blocked cells."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.services import appointment_book, appointment_check_in, appointment_confirm
from carebook.booking.tests.factories import bookable_calendar
from carebook.scheduling.models import TimeOff

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 07:30 in Bengaluru, before the day's hours
TEN = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # 10:00 in Bengaluru


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_day_shows_free_booked_arrived_and_blocked_cells(client):
    cal = bookable_calendar()  # 09:00-17:00, 30-minute visits
    patient = PatientFactory(full_name="Harish Gowda")
    visit = appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=TEN,
        mode="in_person",
        by=patient,
    )
    appointment_confirm(appointment=visit, by=cal.practitioner.user)
    staff = StaffFactory()
    appointment_check_in(appointment=visit, by=staff, now=TEN - timedelta(minutes=5))
    TimeOff.objects.create(
        practitioner=cal.practitioner, start=TEN + timedelta(hours=3), end=TEN + timedelta(hours=4)
    )
    client.force_login(staff)
    response = client.get(reverse("office:day"), {"location": cal.location.pk, "day": "2026-03-02"})
    assert response.status_code == 200
    grid = response.context["grid"]
    assert [p.pk for p in grid.practitioners] == [cal.practitioner.pk]
    assert len(grid.rows) == 8 * 4  # 09:00 to 17:00 in quarter hours
    states = [row.cells[0].state for row in grid.rows]
    assert states[:4] == ["free", "busy", "free", "busy"]  # half-hour slots on a 15-minute grid
    assert states[4:6] == ["arrived", "arrived"]  # 10:00-10:30, checked in
    assert states[16:20] == ["blocked"] * 4  # 13:00-14:00 time off
    html = response.content.decode()
    assert "Harish Gowda" in html and "Time off" in html
    assert f"{reverse('book')}?practitioner={cal.practitioner.pk}" in html


def test_only_staff_see_the_day(client):
    client.force_login(PatientFactory())
    assert client.get(reverse("office:day")).status_code == 404


def test_hours_off_the_quarter_hour_still_show_their_free_times(client):
    from datetime import time

    cal = bookable_calendar(start=time(9, 10), end=time(11, 10))
    client.force_login(StaffFactory())
    grid = client.get(
        reverse("office:day"), {"location": cal.location.pk, "day": "2026-03-02"}
    ).context["grid"]
    assert any(row.cells[0].state == "free" for row in grid.rows)


def test_a_patient_checks_in_on_the_day_not_the_evening_before():
    from carebook.core.errors import IllegalTransition

    cal = bookable_calendar()
    patient = PatientFactory()
    visit = appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=TEN + timedelta(days=1),  # 10:00 tomorrow in Bengaluru
        mode="in_person",
        by=patient,
    )
    appointment_confirm(appointment=visit, by=cal.practitioner.user)
    evening = TEN + timedelta(hours=11)  # 21:00 today in Bengaluru
    with pytest.raises(IllegalTransition):
        appointment_check_in(appointment=visit, by=StaffFactory(), now=evening)
