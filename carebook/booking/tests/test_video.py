"""Video visits: an unguessable room for the patient and practitioner, open from 15 minutes
before; in the email and the invite (RFC 7986 CONFERENCE); gone once the visit is cancelled."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from icalendar import Calendar

from carebook.accounts.tests.factories import PatientFactory
from carebook.booking.services import appointment_book, appointment_cancel, appointment_confirm
from carebook.booking.tests.factories import bookable_calendar
from carebook.booking.video import room_name, video_link
from carebook.core.tests.tasks import run_worker
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db


@pytest.fixture
def video_visit(settings):
    settings.CAREBOOK_JITSI_SERVER = "https://meet.example.org"
    cal = bookable_calendar()
    cal.practitioner.offers_video = True
    cal.practitioner.save()
    patient = PatientFactory()
    start = (utcnow() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    start = start.astimezone(cal.location.tz).replace(hour=10).astimezone(start.tzinfo)
    visit = appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="video",
        by=patient,
    )
    return appointment_confirm(appointment=visit, by=cal.practitioner.user)


def test_a_confirmed_video_visit_has_an_unguessable_room(video_visit):
    link = video_link(video_visit)
    assert link == f"https://meet.example.org/{room_name(video_visit)}"
    assert len(room_name(video_visit)) == len("carebook-") + 32
    assert room_name(video_visit) != room_name(
        type(video_visit)(pk=video_visit.pk + 1, created_at=video_visit.created_at)
    )


def test_the_link_shows_to_its_two_people_from_15_minutes_before(video_visit):
    link = video_link(video_visit)
    patient, doctor = Client(), Client()
    patient.force_login(video_visit.patient)
    doctor.force_login(video_visit.practitioner.user)
    url = f"/appointments/{video_visit.pk}/"
    assert link not in patient.get(url).content.decode()  # two days ahead
    assert "opens at" in patient.get(url).content.decode()
    with time_machine.travel(video_visit.start - timedelta(minutes=14)):
        patient.force_login(video_visit.patient)  # a fresh session: two days have passed
        doctor.force_login(video_visit.practitioner.user)
        assert link in patient.get(url).content.decode()
        assert link in doctor.get(url).content.decode()
    with time_machine.travel(video_visit.end + timedelta(minutes=1)):
        patient.force_login(video_visit.patient)
        assert link not in patient.get(url).content.decode()


def test_the_confirmation_email_and_invite_carry_the_room_and_a_cancel_removes_it(video_visit):
    link = video_link(video_visit)
    run_worker()
    to_patient = [m for m in mail.outbox if m.to == [video_visit.patient.email]]
    assert any(link in m.body for m in to_patient)
    invite = next(a for m in to_patient for a in m.attachments if a[0].endswith(".ics"))
    event = Calendar.from_ical(invite[1]).walk("VEVENT")[0]
    assert (
        str(event["conference"]) == link and event["conference"].params["FEATURE"] == "AUDIO,VIDEO"
    )
    appointment_cancel(appointment=video_visit, by=video_visit.practitioner.user)
    video_visit.refresh_from_db()
    assert video_link(video_visit) == ""
