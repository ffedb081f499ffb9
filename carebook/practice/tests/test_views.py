from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_book,
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
)
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Service
from carebook.clinic.tests.factories import (
    LocationFactory,
    PractitionerFactory,
    ServiceFactory,
    SpecialtyFactory,
)
from carebook.core.tests.tasks import run_worker
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff
from carebook.scheduling.tests.factories import TimeOffFactory, WindowFactory

pytestmark = pytest.mark.django_db

S = Appointment.Status
# Monday 2 March 2026, 12:00 in Kolkata (06:30 UTC). Calendars run 09:00-17:00 local.
NOW = datetime(2026, 3, 2, 6, 30, tzinfo=UTC)
BEFORE = NOW - timedelta(days=2)  # when the visits were booked


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Kolkata in March 2026, as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=5, minutes=30)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cal():
    return bookable_calendar()


@pytest.fixture
def doctor(cal):
    return cal.practitioner.user


@pytest.fixture
def doc(client, doctor):
    client.force_login(doctor)
    return client


def book(cal, start, patient=None, status=None, **kw):
    patient = patient or PatientFactory()
    appt = appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        by=patient,
        now=BEFORE,
        **kw,
    )
    doctor = cal.practitioner.user
    if status in (S.CONFIRMED, S.COMPLETED):
        appointment_confirm(appointment=appt, by=doctor, now=BEFORE)
    if status == S.COMPLETED:
        appointment_complete(appointment=appt, by=doctor, now=appt.end)
    if status == S.CANCELLED:
        appointment_cancel(appointment=appt, by=doctor, reason="ill", now=BEFORE)
    appt.refresh_from_db()
    return appt


def other_calendar():
    return bookable_calendar(practitioner=PractitionerFactory())


PAGES = [
    "/practice/",
    "/practice/week/",
    "/practice/week/?week=2026-03-09",
    "/practice/availability/",
    "/practice/time-off/",
    "/practice/rules/",
    "/practice/services/",
    "/practice/profile/",
    "/practice/patients/",
    "/practice/figures/",
]


# --- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_every_page_opens_for_the_practitioner(doc, url):
    response = doc.get(url)
    assert response.status_code == 200
    assert 'aria-label="My practice"' in response.content.decode()


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["patient", "staff", "practitioner_without_profile"])
def test_other_roles_get_404(client, url, who):
    user = {
        "patient": PatientFactory,
        "staff": StaffFactory,
        "practitioner_without_profile": lambda: UserFactory(role=User.Role.PRACTITIONER),
    }[who]()
    client.force_login(user)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=/practice/")


def test_unverified_practitioner_can_set_up_and_is_told_patients_cannot_find_them(client):
    user = UserFactory(role=User.Role.PRACTITIONER, state=User.State.PENDING)
    PractitionerFactory(user=user, verified_at=None)
    client.force_login(user)
    page = client.get("/practice/").content.decode()
    assert "waiting for the clinic" in page and "find or book you yet" in page
    assert "add a service" in page and "set your weekly hours" in page
    response = client.post(
        "/practice/services/", {"name": "First visit", "duration_minutes": 20, "price": ""}
    )
    assert response.status_code == 302
    assert Service.objects.get(practitioner__user=user).name == "First visit"


def test_forms_need_the_csrf_token(cal, doctor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(doctor)
    response = client.post("/practice/services/", {"name": "x", "duration_minutes": 20})
    assert response.status_code == 403
    page = client.get("/practice/services/").content.decode()
    assert "csrfmiddlewaretoken" in page


# --- today -----------------------------------------------------------------------------------


def test_today_sorts_visits_into_segments_with_counts(doc, cal):
    done = book(cal, ist(2, 9), status=S.COMPLETED)
    now_visit = book(cal, ist(2, 11, 30), status=S.CONFIRMED)  # 11:30-12:00, now is 12:00-
    upcoming = book(cal, ist(2, 15), status=S.CONFIRMED)
    asked_today = book(cal, ist(2, 16))
    cancelled = book(cal, ist(2, 14), status=S.CANCELLED)
    tomorrow = book(cal, ist(3, 9))
    ended = book(cal, ist(2, 10), status=S.CONFIRMED)
    yesterday = book(cal, ist(1, 10), status=S.CONFIRMED)

    board = doc.get("/practice/").context["board"]
    seg = {s.key: [a.pk for a in s.items] for s in board.segments}
    # 11:30 visit ended at 12:00 = now, so it waits for its outcome like the 10:00 one.
    assert seg["upcoming"] == [upcoming.pk, asked_today.pk]
    assert seg["to_record"] == [ended.pk, now_visit.pk]
    assert seg["completed"] == [done.pk]
    assert seg["closed"] == [cancelled.pk]
    assert seg["now"] == []
    assert [a.pk for a in board.pending] == [asked_today.pk, tomorrow.pk]
    assert yesterday.pk not in sum(seg.values(), [])


def test_a_visit_in_progress_is_now(doc, cal):
    visit = book(cal, ist(2, 12), status=S.CONFIRMED)
    with time_machine.travel(ist(2, 12, 10), tick=False):
        board = doc.get("/practice/").context["board"]
    assert [a.pk for a in next(s for s in board.segments if s.key == "now").items] == [visit.pk]


def test_today_is_each_locations_local_day(client):
    # 06:30 UTC Monday is still Sunday evening in Los Angeles.
    cal = bookable_calendar(time_zone="America/Los_Angeles", start=time(8), end=time(23))
    sunday_evening = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # Sun 21:00 PST
    monday_morning = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # Mon 09:00 PST, same UTC day
    tonight = book(cal, sunday_evening, status=S.CONFIRMED)
    tomorrow = book(cal, monday_morning, status=S.CONFIRMED)
    client.force_login(cal.practitioner.user)
    response = client.get("/practice/")
    today_ids = [a.pk for s in response.context["board"].segments for a in s.items]
    assert tonight.pk in today_ids and tomorrow.pk not in today_ids
    page = response.content.decode()
    assert "21:00" in page  # shown in the location's time, not the server's
    assert "Sunday 1 March 2026" in page


def test_today_query_count_is_bounded(client, django_assert_max_num_queries):
    cal = bookable_calendar(start=time(6), end=time(22))
    for i in range(20):
        status = [S.REQUESTED, S.CONFIRMED, S.COMPLETED, S.CANCELLED][i % 4]
        book(cal, ist(2, 6) + timedelta(minutes=30 * i), status=status)
    for i in range(5):
        book(cal, ist(4, 9) + timedelta(minutes=30 * i))
    client.force_login(cal.practitioner.user)
    with django_assert_max_num_queries(12):
        response = client.get("/practice/")
    assert response.status_code == 200
    assert response.context["board"].total == 20


def act(client, appt, action, htmx=False, **data):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(f"/practice/appointments/{appt.pk}/{action}/", data, **headers)


def last_history(appt):
    return appt.history.order_by("-at", "-id").first()


def test_approve_confirms_and_writes_history(doc, cal, doctor):
    appt = book(cal, ist(3, 9))
    response = act(doc, appt, "confirm")
    assert response.status_code == 302 and response["Location"] == "/practice/"
    appt.refresh_from_db()
    assert appt.status == S.CONFIRMED
    h = last_history(appt)
    assert (h.action, h.from_status, h.to_status, h.by) == (
        "confirm",
        "requested",
        "confirmed",
        doctor,
    )
    assert "Approved" in doc.get("/practice/").content.decode()


def test_reject_needs_a_reason_and_records_it(doc, cal):
    appt = book(cal, ist(3, 9))
    response = act(doc, appt, "reject", reason="  ", where="pending")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please give a reason for rejecting." in page
    assert 'aria-invalid="true"' in page and f"reject-pending-{appt.pk}-reason_error" in page
    appt.refresh_from_db()
    assert appt.status == S.REQUESTED

    act(doc, appt, "reject", reason="Not my specialty; see Dr. Iyer", where="pending")
    appt.refresh_from_db()
    assert appt.status == S.REJECTED
    assert last_history(appt).reason == "Not my specialty; see Dr. Iyer"


def test_reject_without_reason_over_htmx_puts_the_form_back_with_the_error(doc, cal):
    appt = book(cal, ist(3, 9))
    response = act(doc, appt, "reject", htmx=True, reason="", where="pending")
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#reject-pending-{appt.pk}"
    assert "Please give a reason for rejecting." in response.content.decode()


def test_the_reason_page_works_without_javascript(doc, cal):
    appt = book(cal, ist(3, 9), status=S.CONFIRMED)
    page = doc.get(f"/practice/appointments/{appt.pk}/cancel/")
    assert page.status_code == 200 and "Reason for cancelling" in page.content.decode()


def test_complete_and_no_show_only_after_start(doc, cal):
    later = book(cal, ist(2, 15), status=S.CONFIRMED)
    response = act(doc, later, "complete")
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.status == S.CONFIRMED
    assert "once the appointment has started" in doc.get("/practice/").content.decode()

    earlier = book(cal, ist(2, 9), status=S.CONFIRMED)
    other = book(cal, ist(2, 10), status=S.CONFIRMED)
    act(doc, earlier, "complete")
    act(doc, other, "no_show")
    earlier.refresh_from_db()
    other.refresh_from_db()
    assert (earlier.status, other.status) == (S.COMPLETED, S.NO_SHOW)
    assert last_history(other).action == "no_show"


def test_cancel_with_reason(doc, cal, doctor):
    appt = book(cal, ist(2, 15), status=S.CONFIRMED)
    act(doc, appt, "cancel", reason="Called in sick", where="day")
    appt.refresh_from_db()
    assert appt.status == S.CANCELLED
    h = last_history(appt)
    assert (h.action, h.reason, h.by) == ("cancel", "Called in sick", doctor)


def test_illegal_action_is_a_message_not_a_500(doc, cal):
    appt = book(cal, ist(2, 14), status=S.CANCELLED)
    response = act(doc, appt, "confirm", htmx=True)
    assert response.status_code == 200
    assert "cannot be confirmed" in response.content.decode()


def test_htmx_action_swaps_the_board_with_fresh_counts(doc, cal):
    appt = book(cal, ist(2, 15))
    response = act(doc, appt, "confirm", htmx=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith("{#") is False and 'id="board"' in page
    assert "<html" not in page and "Approved" in page
    assert response.context["board"].pending_total == 0


def test_actions_on_someone_elses_appointment_are_404(doc, cal):
    theirs = book(other_calendar(), ist(3, 9))
    for action in ("confirm", "reject", "complete", "no_show", "cancel"):
        assert act(doc, theirs, action, reason="x").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == S.REQUESTED
    mine = book(cal, ist(3, 9))
    assert act(doc, mine, "delete").status_code == 404
    assert doc.get(f"/practice/appointments/{mine.pk}/confirm/").status_code == 405


# --- week ------------------------------------------------------------------------------------


def test_week_shows_seven_days_of_own_visits(doc, cal):
    monday = book(cal, ist(2, 15), status=S.CONFIRMED)
    sunday = book(cal, ist(8, 16, 30))
    next_monday = book(cal, ist(9, 9))
    cancelled = book(cal, ist(4, 9), status=S.CANCELLED)
    theirs = book(other_calendar(), ist(3, 9))
    response = doc.get("/practice/week/?week=2026-03-04")  # any day picks its week
    days = response.context["days"]
    assert [d.day for d in days][0] == date(2026, 3, 2) and len(days) == 7
    shown = [a.pk for d in days for a in d.items]
    assert shown == [monday.pk, sunday.pk]
    assert theirs.pk not in shown and next_monday.pk not in shown
    page = response.content.decode()
    assert "16:30" in page and "?week=2026-02-23" in page and "?week=2026-03-09" in page
    with_closed = doc.get("/practice/week/?week=2026-03-02&all=1").context["days"]
    assert cancelled.pk in [a.pk for d in with_closed for a in d.items]


def test_week_with_a_bad_date_shows_this_week(doc):
    assert doc.get("/practice/week/?week=nonsense").context["first"] == date(2026, 3, 2)


# --- availability ----------------------------------------------------------------------------


def window_post(location, **over):
    data = {
        "location": location.pk,
        "weekdays": ["0", "2"],
        "start_time": "18:00",
        "end_time": "20:00",
        "valid_from": "",
        "valid_until": "",
    }
    data.update(over)
    return data


def test_add_weekly_hours_on_several_days(doc, cal):
    before = AvailabilityWindow.objects.filter(practitioner=cal.practitioner).count()
    response = doc.post("/practice/availability/", window_post(cal.location))
    assert response.status_code == 302
    added = AvailabilityWindow.objects.filter(practitioner=cal.practitioner, start_time=time(18))
    assert sorted(added.values_list("weekday", flat=True)) == [0, 2]
    assert AvailabilityWindow.objects.filter(practitioner=cal.practitioner).count() == before + 2


def test_overlapping_hours_are_refused_with_a_form_error(doc, cal):
    response = doc.post(
        "/practice/availability/", window_post(cal.location, start_time="16:00", end_time="18:00")
    )
    assert response.status_code == 400
    assert "overlaps another window on the same day" in response.content.decode()
    assert not AvailabilityWindow.objects.filter(start_time=time(16)).exists()


def test_window_field_errors_are_tied_to_fields(doc, cal):
    response = doc.post(
        "/practice/availability/", window_post(cal.location, weekdays=[], end_time="17:00")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose at least one day." in page and "The hours must end after they start." in page
    assert 'aria-describedby="id_end_time_error"' in page


def test_closed_locations_are_not_offered(doc, cal):
    closed = LocationFactory(name="Old branch", is_active=False)
    assert "Old branch" not in doc.get("/practice/availability/").content.decode()
    response = doc.post("/practice/availability/", window_post(closed))
    assert response.status_code == 400


def test_remove_own_window_but_not_someone_elses(doc, cal):
    mine = AvailabilityWindow.objects.filter(practitioner=cal.practitioner).first()
    theirs = WindowFactory()
    assert doc.post(f"/practice/availability/{theirs.pk}/delete/").status_code == 404
    assert doc.post(f"/practice/availability/{mine.pk}/delete/").status_code == 302
    assert not AvailabilityWindow.objects.filter(pk=mine.pk).exists()
    assert AvailabilityWindow.objects.filter(pk=theirs.pk).exists()


# --- time off --------------------------------------------------------------------------------


def test_time_off_in_berlin_time_is_stored_in_utc_across_the_dst_change(doc, cal):
    berlin = LocationFactory(name="Berlin Mitte", city="Berlin", time_zone="Europe/Berlin")
    # Clocks go forward on Sunday 29 March 2026: CET (UTC+1) before, CEST (UTC+2) after.
    response = doc.post(
        "/practice/time-off/",
        {
            "location": berlin.pk,
            "start": "2026-03-28T10:00",
            "end": "2026-03-30T10:00",
            "reason": "Conference",
        },
    )
    assert response.status_code == 302
    off = TimeOff.objects.get(practitioner=cal.practitioner)
    assert off.start == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    assert off.end == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert off.reason == "Conference"


def test_time_off_at_skipped_and_repeated_berlin_hours(doc, cal):
    berlin = LocationFactory(time_zone="Europe/Berlin")
    # 02:30 on 29 March never happens (starts at the jump, 03:00 CEST); 02:30 on 25 October
    # happens twice (the end takes the later one, 02:30 CET), so the block is the longest.
    doc.post(
        "/practice/time-off/",
        {"location": berlin.pk, "start": "2026-03-29T02:30", "end": "2026-10-25T02:30"},
    )
    off = TimeOff.objects.get(practitioner=cal.practitioner)
    assert off.start == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert off.end == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_time_off_defaults_to_the_clinic_zone(doc, cal):
    doc.post(
        "/practice/time-off/",
        {"location": "", "start": "2026-03-10T09:00", "end": "2026-03-10T13:00"},
    )
    off = TimeOff.objects.get(practitioner=cal.practitioner)
    assert off.start == ist(10, 9) and off.end == ist(10, 13)


def test_time_off_warns_about_visits_still_booked_then(doc, cal):
    book(cal, ist(10, 10), status=S.CONFIRMED)
    response = doc.post(
        "/practice/time-off/",
        {"location": cal.location.pk, "start": "2026-03-10T09:00", "end": "2026-03-10T13:00"},
        follow=True,
    )
    assert "1 booked visit(s) fall in this time off" in response.content.decode()


def test_time_off_must_end_after_it_starts(doc, cal):
    response = doc.post(
        "/practice/time-off/",
        {"location": cal.location.pk, "start": "2026-03-10T09:00", "end": "2026-03-10T08:00"},
    )
    assert response.status_code == 400
    assert "Time off must end after it starts." in response.content.decode()
    assert not TimeOff.objects.exists()


def test_time_off_list_and_delete_only_own(doc, cal):
    mine = TimeOffFactory(practitioner=cal.practitioner, start=ist(10, 9), end=ist(10, 13))
    theirs = TimeOffFactory(start=ist(10, 9), end=ist(10, 13))
    page = doc.get("/practice/time-off/").content.decode()
    assert "Tue 10 Mar 2026, 09:00" in page
    assert doc.post(f"/practice/time-off/{theirs.pk}/delete/").status_code == 404
    assert doc.post(f"/practice/time-off/{mine.pk}/delete/").status_code == 302
    assert list(TimeOff.objects.all()) == [theirs]


# --- booking rules ---------------------------------------------------------------------------

RULES = {
    "slot_step_minutes": 20,
    "buffer_before_minutes": 0,
    "buffer_after_minutes": 10,
    "min_notice_minutes": 120,
    "max_days_ahead": 30,
    "cancellation_cutoff_hours": 12,
    "auto_confirm": "on",
}


def test_booking_rules_are_created_on_first_save(client):
    practitioner = PractitionerFactory()
    client.force_login(practitioner.user)
    assert client.get("/practice/rules/").status_code == 200
    assert client.post("/practice/rules/", RULES).status_code == 302
    rules = BookingRules.objects.get(practitioner=practitioner)
    assert (rules.slot_step_minutes, rules.buffer_after_minutes, rules.auto_confirm) == (
        20,
        10,
        True,
    )


def test_booking_rules_are_validated(doc, cal):
    response = doc.post("/practice/rules/", {**RULES, "slot_step_minutes": 2})
    assert response.status_code == 400
    assert "greater than or equal to 5" in response.content.decode()


# --- services --------------------------------------------------------------------------------


def test_services_add_edit_and_deactivate(doc, cal):
    response = doc.post(
        "/practice/services/", {"name": "Long consult", "duration_minutes": 60, "price": "900"}
    )
    assert response.status_code == 302
    service = Service.objects.get(name="Long consult")
    assert service.practitioner == cal.practitioner and service.price == Decimal("900")
    assert doc.get(f"/practice/services/{service.pk}/").status_code == 200
    doc.post(
        f"/practice/services/{service.pk}/",
        {"name": "Long consultation", "duration_minutes": 45, "price": "", "is_active": "on"},
    )
    service.refresh_from_db()
    assert (service.name, service.duration_minutes, service.price) == (
        "Long consultation",
        45,
        None,
    )
    doc.post(f"/practice/services/{service.pk}/toggle/")
    service.refresh_from_db()
    assert not service.is_active
    assert "Offer again" in doc.get("/practice/services/").content.decode()


def test_service_errors_are_shown(doc, cal):
    response = doc.post("/practice/services/", {"name": "", "duration_minutes": 2})
    page = response.content.decode()
    assert response.status_code == 400 and "This field is required." in page
    response = doc.post("/practice/services/", {"name": cal.service.name, "duration_minutes": 30})
    assert "already offer a service with this name" in response.content.decode()


def test_someone_elses_service_is_404(doc):
    theirs = ServiceFactory()
    assert doc.get(f"/practice/services/{theirs.pk}/").status_code == 404
    assert doc.post(f"/practice/services/{theirs.pk}/toggle/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


# --- profile ---------------------------------------------------------------------------------


def png(size=(40, 40)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (10, 110, 80)).save(out, "PNG")
    return out.getvalue()


def profile_post(**over):
    specialty = SpecialtyFactory(name="General Physician", slug="gp")
    data = {
        "title": "Dr.",
        "kind": "doctor",
        "specialties": [specialty.pk],
        "qualifications": "MBBS",
        "registration_number": "",
        "years_experience": 9,
        "gender": "female",
        "languages": [],
        "bio": "Hello",
        "consultation_fee": "750",
        "offers_in_person": "on",
    }
    data.update(over)
    return data


def test_profile_update_with_photo(doc, cal, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("me at the beach.png", png(), content_type="image/png")
    response = doc.post("/practice/profile/", profile_post(photo=photo))
    assert response.status_code == 302
    p = cal.practitioner
    p.refresh_from_db()
    assert (p.years_experience, p.consultation_fee, p.offers_video) == (9, Decimal("750"), False)
    assert [s.slug for s in p.specialties.all()] == ["gp"]
    assert p.photo.name.startswith("practitioners/") and p.photo.name.endswith(".png")
    assert "beach" not in p.photo.name
    assert "Remove the current photo" in doc.get("/practice/profile/").content.decode()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"not an image at all", "Upload a valid image"),
        (png((1200, 1200)) + b"\0" * (2 * 1024 * 1024), "2 MB or smaller"),
    ],
)
def test_profile_photo_must_be_a_small_image(doc, cal, settings, tmp_path, content, error):
    settings.MEDIA_ROOT = tmp_path
    photo = SimpleUploadedFile("x.png", content, content_type="image/png")
    response = doc.post("/practice/profile/", profile_post(photo=photo))
    assert response.status_code == 400
    assert error in response.content.decode()
    cal.practitioner.refresh_from_db()
    assert not cal.practitioner.photo


def test_profile_needs_a_visit_mode(doc):
    response = doc.post("/practice/profile/", profile_post(offers_in_person=""))
    assert response.status_code == 400
    assert "Offer in-person visits, video visits or both." in response.content.decode()


def test_verified_registration_number_cannot_be_changed_here(doc, cal):
    cal.practitioner.registration_number = "KMC 1"
    cal.practitioner.save()
    page = doc.get("/practice/profile/").content.decode()
    assert "Ask the clinic to change it" in page
    doc.post("/practice/profile/", profile_post(registration_number="FAKE 9"))
    cal.practitioner.refresh_from_db()
    assert cal.practitioner.registration_number == "KMC 1"


# --- patients --------------------------------------------------------------------------------


def test_my_patients_lists_only_my_patients_with_my_visits(doc, cal):
    asha = PatientFactory(full_name="Asha Rao")
    ravi = PatientFactory(full_name="Ravi Kumar")
    stranger = PatientFactory(full_name="Someone Else")
    other = other_calendar()
    book(cal, ist(2, 9), patient=asha, status=S.COMPLETED)
    book(cal, ist(5, 9), patient=asha)
    book(other, ist(3, 9), patient=asha, status=S.COMPLETED)
    book(other, ist(3, 10), patient=asha, status=S.COMPLETED)
    book(cal, ist(4, 9), patient=ravi)
    book(other, ist(4, 9), patient=stranger)

    response = doc.get("/practice/patients/")
    listed = {p.full_name: p for p in response.context["page"].object_list}
    assert set(listed) == {"Asha Rao", "Ravi Kumar"}
    assert listed["Asha Rao"].visits == 1  # visits with other practitioners do not count
    assert listed["Asha Rao"].next_visit == ist(5, 9)
    assert "Someone Else" not in response.content.decode()

    found = doc.get("/practice/patients/?q=ravi").context["page"].object_list
    assert [p.full_name for p in found] == ["Ravi Kumar"]


def test_patient_page_shows_profile_and_only_visits_with_me(doc, cal):
    asha = PatientFactory(
        full_name="Asha Rao",
        phone="+91 98450 00000",
        profile__date_of_birth=date(1990, 6, 15),
        profile__gender="female",
        profile__blood_group="B+",
    )
    mine = book(cal, ist(2, 9), patient=asha, status=S.COMPLETED)
    theirs = book(other_calendar(), ist(3, 9), patient=asha)
    response = doc.get(f"/practice/patients/{asha.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "35 years" in page and "Female" in page and "B+" in page and "98450 00000" in page
    visits = [a.pk for a in response.context["visits"].object_list]
    assert visits == [mine.pk] and theirs.pk not in visits


def test_patient_who_never_booked_with_me_is_404(doc, cal):
    stranger = PatientFactory()
    book(other_calendar(), ist(3, 9), patient=stranger)
    assert doc.get(f"/practice/patients/{stranger.pk}/").status_code == 404
    assert doc.get("/practice/patients/999999/").status_code == 404


def test_patients_list_query_count_is_bounded(doc, cal, django_assert_max_num_queries):
    for i in range(15):
        book(cal, ist(3, 9) + timedelta(minutes=30 * i))
    with django_assert_max_num_queries(10):
        response = doc.get("/practice/patients/")
    assert len(response.context["page"].object_list) == 15


# --- own figures -----------------------------------------------------------------------------


def test_my_figures_count_only_my_visits(doc, cal):
    book(cal, ist(10, 10), status=S.COMPLETED)
    book(cal, ist(10, 11), status=S.CANCELLED)
    theirs = other_calendar()
    book(theirs, ist(10, 10), status=S.COMPLETED)
    run_worker()
    response = doc.get("/practice/figures/", {"period": "month", "group_by": "week"})
    assert response.status_code == 200
    report = response.context["report"]
    assert ("Completed", 1, 0) in report["totals"]
    assert ("Practitioner", 1, 0, 0) in report["cancellers"]
    diaries = doc.get(
        "/practice/figures/diaries/",
        {"period": "month", "group_by": "week"},
        headers={"HX-Request": "true"},
    )
    assert [d.practitioner_id for d in diaries.context["r"]["diaries"]] == [cal.practitioner.pk]
    form = response.context["form"]
    assert "practitioner" not in form.fields
    assert list(form.fields["service"].queryset) == [cal.service]
    html = doc.get(
        "/practice/figures/breakdowns/",
        {"period": "month", "group_by": "week"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "By practitioner" not in html and "By location" in html


def test_my_figures_refuse_another_practitioners_service(doc, cal):
    theirs = other_calendar()
    response = doc.get("/practice/figures/", {"period": "month", "service": theirs.service.pk})
    assert response.status_code == 400
    assert "service" in response.context["form"].errors


def test_my_figures_sections_count_only_my_patients(doc, cal):
    book(cal, ist(10, 10), status=S.COMPLETED)
    book(other_calendar(), ist(10, 11), status=S.COMPLETED)
    run_worker()
    page = doc.get("/practice/figures/", {"period": "month", "group_by": "week"})
    assert 'hx-get="/practice/figures/patients/?' in page.content.decode()
    people = doc.get(
        "/practice/figures/patients/",
        {"period": "month", "group_by": "week"},
        headers={"HX-Request": "true"},
    )
    assert ("All seen", 1, 0) in people.context["r"]["patients"]
    heat = doc.get("/practice/figures/peak-hours/", {"period": "month"})
    assert (
        heat.status_code == 200
        and sum(map(sum, ([n for n, _level in row] for _day, row in heat.context["r"]["heat"])))
        == 1
    )
    assert doc.get("/practice/figures/nothing/").status_code == 404
