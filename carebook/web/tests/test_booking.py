from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_book
from carebook.booking.tests.factories import bookable_calendar

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
NINE_IST = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def link(cal, start=NINE_IST):
    return "/book/?" + urlencode(
        {
            "practitioner": cal.practitioner.pk,
            "service": cal.service.pk,
            "location": cal.location.pk,
            "start": start.isoformat(),
        }
    )


def post_data(cal, start=NINE_IST, **extra):
    return {
        "practitioner": cal.practitioner.pk,
        "service": cal.service.pk,
        "location": cal.location.pk,
        "start": start.isoformat(),
        "mode": "in_person",
        "reason": "cough",
        **extra,
    }


def test_anonymous_is_sent_to_login_with_the_slot_kept(client):
    cal = bookable_calendar()
    response = client.get(link(cal))
    assert response.status_code == 302 and response["Location"].startswith(
        "/account/login/?next=/book/"
    )


def test_patient_reviews_then_books(client):
    cal = bookable_calendar()
    patient = PatientFactory()
    client.force_login(patient)
    review = client.get(link(cal))
    assert review.status_code == 200
    assert "09:00" in review.content.decode() and "Confirm booking" in review.content.decode()
    done = client.post("/book/", post_data(cal))
    appt = Appointment.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/appointments/{appt.pk}/done/"
    assert appt.patient == patient and appt.reason == "cough"
    page = client.get(f"/appointments/{appt.pk}/done/").content.decode()
    assert "request is sent" in page
    mine = client.get("/appointments/").content.decode()
    assert cal.practitioner.display_name in mine and "Requested" in mine


def test_taken_slot_gets_a_friendly_409_with_alternatives(client):
    cal = bookable_calendar()
    first = PatientFactory()
    appointment_book(
        patient=first,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=NINE_IST,
        mode="in_person",
        by=first,
    )
    client.force_login(PatientFactory())
    response = client.post("/book/", post_data(cal))
    body = response.content.decode()
    assert response.status_code == 409
    assert "no longer available" in body and "These times are free now" in body
    assert "09:30" in body
    assert Appointment.objects.count() == 1


def test_missing_mode_is_a_form_error_tied_to_the_field(client):
    cal = bookable_calendar()
    client.force_login(PatientFactory())
    response = client.post("/book/", post_data(cal, mode=""))
    assert response.status_code == 400
    assert 'id="id_mode_error"' in response.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "practitioner=x",
        "practitioner=999&service=1&location=1&start=2026-03-03T03:30:00%2B00:00",
        "start=2026-03-03T09:00:00",
    ],
)
def test_bad_booking_links_are_404_not_500(client, query):
    client.force_login(PatientFactory())
    assert client.get("/book/?" + query).status_code == 404


def test_pending_patient_is_told_why(client):
    cal = bookable_calendar()
    client.force_login(PatientFactory(state=User.State.PENDING))
    response = client.get(link(cal), follow=True)
    assert "waiting for approval" in response.content.decode()


def test_staff_books_on_a_patients_behalf(client):
    cal = bookable_calendar()
    patient, staff = PatientFactory(), StaffFactory()
    client.force_login(staff)
    assert client.post("/book/", post_data(cal)).status_code == 400  # must choose the patient
    response = client.post("/book/", post_data(cal, patient=patient.email))
    appt = Appointment.objects.get()
    assert response.status_code == 302 and appt.patient == patient and appt.booked_by == staff


def test_another_patients_appointment_is_404(client):
    cal = bookable_calendar()
    owner = PatientFactory()
    appt = appointment_book(
        patient=owner,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=NINE_IST,
        mode="in_person",
        by=owner,
    )
    client.force_login(PatientFactory())
    for url in (
        f"/appointments/{appt.pk}/",
        f"/appointments/{appt.pk}/done/",
        f"/appointments/{appt.pk}/reschedule/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/appointments/{appt.pk}/cancel/").status_code == 404
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.REQUESTED


def test_cancel_before_cutoff_and_refusal_after(client):
    cal = bookable_calendar(cutoff_hours=24)
    patient = PatientFactory()
    client.force_login(patient)
    late = appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=NINE_IST - timedelta(days=1),  # 3.5 hours away
        mode="in_person",
        by=patient,
    )
    early = appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=NINE_IST + timedelta(days=3),
        mode="in_person",
        by=patient,
    )
    refused = client.post(f"/appointments/{late.pk}/cancel/", {"reason": "x"}, follow=True)
    assert "until 24 hours before" in refused.content.decode()
    late.refresh_from_db()
    assert late.status == Appointment.Status.REQUESTED
    client.post(f"/appointments/{early.pk}/cancel/", {"reason": "better"})
    early.refresh_from_db()
    assert early.status == Appointment.Status.CANCELLED


def test_reschedule_picks_a_new_slot_and_releases_the_old(client):
    cal = bookable_calendar()
    patient = PatientFactory()
    client.force_login(patient)
    old = appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=NINE_IST + timedelta(days=2),
        mode="in_person",
        by=patient,
    )
    picker = client.get(f"/appointments/{old.pk}/reschedule/")
    assert (
        picker.status_code == 200
        and f"/appointments/{old.pk}/reschedule/?" in picker.content.decode()
    )
    new_start = NINE_IST + timedelta(days=3)
    data = post_data(cal, start=new_start)
    assert client.get(f"/appointments/{old.pk}/reschedule/?" + urlencode(data)).status_code == 200
    response = client.post(f"/appointments/{old.pk}/reschedule/", data)
    new = Appointment.objects.get(rescheduled_from=old)
    assert response.status_code == 302 and new.start == new_start
    old.refresh_from_db()
    assert old.status == Appointment.Status.CANCELLED


def test_my_appointments_is_for_patients(client):
    client.force_login(StaffFactory())
    assert client.get("/appointments/").status_code == 404


def test_my_appointments_keep_upcoming_active_and_a_move_as_one_visit(client):
    from carebook.booking.services import appointment_cancel, appointment_reschedule

    cal = bookable_calendar()
    patient = PatientFactory()

    def book(days):
        return appointment_book(
            patient=patient,
            practitioner=cal.practitioner,
            service=cal.service,
            location=cal.location,
            start=NINE_IST + timedelta(days=days),
            mode="in_person",
            by=patient,
        )

    moved = book(3)
    later = appointment_reschedule(
        appointment=moved, start=NINE_IST + timedelta(days=2), by=patient
    )
    dropped = book(5)
    appointment_cancel(appointment=dropped, by=patient)
    client.force_login(patient)
    visits = client.get("/appointments/").context["visits"]
    assert [a.pk for a in visits.upcoming] == [later.pk]
    assert [a.pk for a in visits.cancelled] == [dropped.pk]  # the move is not a cancellation
    page = client.get("/appointments/").content.decode()
    assert "Moved here from 6 Mar 2026, 09:00 IST" in page  # from a later time, as it was
    old_page = client.get(f"/appointments/{moved.pk}/").content.decode()
    assert "This visit was moved to" in old_page and "5 Mar 2026, 09:00 IST" in old_page


def test_every_page_gives_the_clinics_phone_and_a_late_move_says_it_locks_in(client):
    from carebook.clinic.models import Clinic

    clinic = Clinic.current()
    clinic.phone, clinic.address = "+91 80 4567 8900", "12, 100 Feet Road, Bengaluru"
    clinic.save()
    assert "Call +91 80 4567 8900" in client.get("/").content.decode()
    cal = bookable_calendar(cutoff_hours=48)
    patient = PatientFactory()
    moved = appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=NINE_IST + timedelta(days=3),
        mode="in_person",
        by=patient,
    )
    client.force_login(patient)
    soon = client.get(f"/appointments/{moved.pk}/reschedule/?" + urlencode(post_data(cal)))
    text = soon.content.decode()
    assert "you can no longer cancel or move it online" in text and "+91 80 4567 8900" in text
    later = post_data(cal, start=NINE_IST + timedelta(days=2))
    calm = client.get(f"/appointments/{moved.pk}/reschedule/?" + urlencode(later))
    assert "no longer cancel" not in calm.content.decode()
