from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.booking.availability import next_free_slots
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_book
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Practitioner
from carebook.clinic.services import contact_message_create
from carebook.clinic.tests.factories import (
    LocationFactory,
    PractitionerFactory,
    SpecialtyFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 05:30 in Kolkata
IST = timedelta(hours=5, minutes=30)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def staff():
    return StaffFactory(full_name="Rita Reception")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def pending_practitioner(**user_fields):
    user = UserFactory(role=User.Role.PRACTITIONER, state=User.State.PENDING, **user_fields)
    return PractitionerFactory(user=user, verified_at=None, qualifications="MBBS")


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant given as a Kolkata wall-clock time in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - IST


def book(cal, patient, start):
    return appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        by=patient,
        now=NOW,
    )


PAGES = [
    "office:dashboard",
    "office:registrations",
    "office:users",
    "office:messages",
    "office:appointments",
    "office:book_for_patient",
    "office:practitioner_create",
]
ACTIONS = [
    "office:registration_verify",
    "office:registration_reject",
    "office:user_approve",
    "office:user_suspend",
    "office:user_reactivate",
    "office:message_handled",
]


# --- who may enter ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_for_staff(staff_client, name):
    pending_practitioner()
    contact_message_create(name="A", email="a@example.test", subject="Parking", message="Where?")
    assert staff_client.get(reverse(name)).status_code == 200


def test_the_practitioner_page_opens_for_staff(staff_client):
    cal = bookable_calendar()
    response = staff_client.get(reverse("office:practitioner", args=[cal.practitioner.pk]))
    assert response.status_code == 200
    assert cal.practitioner.display_name in response.content.decode()


@pytest.mark.parametrize("make_user", [PatientFactory, lambda: PractitionerFactory().user])
def test_patients_and_practitioners_get_404_everywhere(client, make_user):
    client.force_login(make_user())
    practitioner = pending_practitioner()
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 404, name
    assert client.get(reverse("office:practitioner", args=[practitioner.pk])).status_code == 404
    for name in ACTIONS:
        assert client.post(reverse(name, args=[practitioner.pk])).status_code == 404, name
    practitioner.refresh_from_db()
    assert not practitioner.is_verified


def test_staff_not_yet_approved_get_404(client):
    client.force_login(StaffFactory(state=User.State.PENDING))
    assert client.get(reverse("office:dashboard")).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/account/login/?next={reverse(name)}")


def test_the_site_header_links_staff_to_the_office(staff_client):
    assert 'href="/office/"' in staff_client.get("/").content.decode()


# --- dashboard -------------------------------------------------------------------------------


def test_dashboard_counts_link_to_their_lists(staff_client):
    pending_practitioner()
    PractitionerFactory()
    PatientFactory.create_batch(2)
    PatientFactory(state=User.State.PENDING)
    contact_message_create(name="A", email="a@example.test", subject="Hi", message="Hello")
    cal = bookable_calendar()
    book(cal, PatientFactory(), ist(2, 10))  # today
    book(cal, PatientFactory(), ist(5, 10))  # Thursday, this week
    book(cal, PatientFactory(), ist(10, 10))  # next week

    board = staff_client.get(reverse("office:dashboard")).context["board"]

    assert board.practitioners_pending == 1
    assert board.practitioners_verified == 2
    assert board.patients_active == 5 and board.patients_pending == 1
    assert board.messages_new == 1
    assert board.appointments_today == 1 and board.appointments_week == 2
    requested = next(c for c in board.appointments if c.status == "requested")
    assert (requested.today, requested.week) == (1, 2)
    page = staff_client.get(reverse("office:dashboard")).content.decode()
    assert "?first_day=2026-03-02&amp;last_day=2026-03-02&amp;status=requested" in page
    assert "?first_day=2026-03-02&amp;last_day=2026-03-08" in page


def test_dashboard_queries_are_bounded(staff_client, django_assert_max_num_queries):
    for hour in range(9, 15):
        cal = bookable_calendar()
        book(cal, PatientFactory(), ist(2, hour))
        pending_practitioner()
    with django_assert_max_num_queries(9):
        assert staff_client.get(reverse("office:dashboard")).status_code == 200


# --- registrations ---------------------------------------------------------------------------


def test_registrations_list_the_details_to_check(staff_client):
    practitioner = pending_practitioner(full_name="Kavya Menon")
    practitioner.registration_number = "TNMC-4455"
    practitioner.save()
    practitioner.specialties.set([SpecialtyFactory(name="Psychiatry", slug="psychiatry")])
    PractitionerFactory(user__full_name="Already Verified")

    page = staff_client.get(reverse("office:registrations")).content.decode()

    assert "Kavya Menon" in page and "TNMC-4455" in page and "Psychiatry" in page
    assert "MBBS" in page and practitioner.user.email in page
    assert "Already Verified" not in page


def test_verify_puts_a_pending_practitioner_in_the_directory(client, staff):
    practitioner = pending_practitioner(full_name="Zubin Wadia")
    bookable_calendar(practitioner=practitioner)
    assert "Zubin Wadia" not in client.get("/practitioners/").content.decode()

    client.force_login(staff)
    response = client.post(reverse("office:registration_verify", args=[practitioner.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("office:registrations")
    practitioner.refresh_from_db()
    assert practitioner.verified_by == staff
    assert practitioner.user.state == User.State.ACTIVE
    assert "now appears in search" in client.get(response["Location"]).content.decode()
    client.logout()
    assert "Zubin Wadia" in client.get("/practitioners/").content.decode()


def test_reject_suspends_and_shows_the_reason(staff_client):
    practitioner = pending_practitioner(full_name="Nobody Real")

    response = staff_client.post(
        reverse("office:registration_reject", args=[practitioner.pk]),
        {"reason": "Registration number unknown to the council"},
    )

    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert not practitioner.is_verified
    assert practitioner.user.state == User.State.SUSPENDED and not practitioner.user.is_active
    page = staff_client.get(response["Location"]).content.decode()
    assert "Rejected registrations" in page and "Registration number unknown to the council" in page
    assert LogEntry.objects.filter(object_id=str(practitioner.pk)).exists()


def test_reconsidering_a_rejected_registration_puts_it_back_in_the_queue(staff_client):
    practitioner = pending_practitioner(full_name="Second Chance")
    staff_client.post(
        reverse("office:registration_reject", args=[practitioner.pk]), {"reason": "blurry"}
    )

    staff_client.post(
        reverse("office:user_reactivate", args=[practitioner.user_id]),
        {"next": reverse("office:registrations")},
    )

    response = staff_client.get(reverse("office:registrations"))
    assert [p.pk for p in response.context["pending"]] == [practitioner.pk]
    assert response.context["rejected"] == []


def test_reject_without_a_reason_is_a_form_error_tied_to_its_card(staff_client):
    practitioner = pending_practitioner()

    response = staff_client.post(
        reverse("office:registration_reject", args=[practitioner.pk]), {"reason": "  "}
    )

    assert response.status_code == 400
    assert f'id="id_reject{practitioner.pk}_reason_error"' in response.content.decode()
    practitioner.user.refresh_from_db()
    assert practitioner.user.state == User.State.PENDING


def test_verify_and_reject_refuse_get(staff_client):
    practitioner = pending_practitioner()
    for name in ("office:registration_verify", "office:registration_reject"):
        assert staff_client.get(reverse(name, args=[practitioner.pk])).status_code == 405


def test_an_already_verified_practitioner_is_not_a_registration(staff_client):
    practitioner = PractitionerFactory()
    response = staff_client.post(reverse("office:registration_verify", args=[practitioner.pk]))
    assert response.status_code == 404


# --- users -----------------------------------------------------------------------------------


def test_users_search_by_name_or_email_and_filter_by_role_and_state(staff_client):
    PatientFactory(full_name="Meera Pillai", email="meera@example.test")
    PatientFactory(full_name="Arjun Das", email="arjun@pillai.test", state=User.State.PENDING)
    PractitionerFactory(user__full_name="Dr Pillai Senior")

    def names(**params):
        response = staff_client.get(reverse("office:users"), params)
        return sorted(u.full_name for u in response.context["page"])

    assert names(q="pillai") == ["Arjun Das", "Dr Pillai Senior", "Meera Pillai"]
    assert names(q="pillai", role="patient") == ["Arjun Das", "Meera Pillai"]
    assert names(q="pillai", role="patient", state="pending") == ["Arjun Das"]


def test_users_are_paginated_with_the_filters_kept(staff_client):
    PatientFactory.create_batch(30)
    response = staff_client.get(reverse("office:users"), {"role": "patient"})
    assert len(response.context["page"].object_list) == 25
    assert "?role=patient&amp;page=2" in response.content.decode()
    second = staff_client.get(reverse("office:users"), {"role": "patient", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_staff_approve_a_pending_patient(staff_client):
    patient = PatientFactory(state=User.State.PENDING)
    back = reverse("office:users") + "?state=pending"

    response = staff_client.post(reverse("office:user_approve", args=[patient.pk]), {"next": back})

    assert response.status_code == 302 and response["Location"] == back
    patient.refresh_from_db()
    assert patient.state == User.State.ACTIVE


def test_staff_suspend_and_reactivate(staff_client):
    patient = PatientFactory()

    staff_client.post(reverse("office:user_suspend", args=[patient.pk]))
    patient.refresh_from_db()
    assert patient.state == User.State.SUSPENDED and not patient.is_active

    staff_client.post(reverse("office:user_reactivate", args=[patient.pk]))
    patient.refresh_from_db()
    assert patient.state == User.State.ACTIVE and patient.is_active


@pytest.mark.parametrize(
    "name", ["office:user_approve", "office:user_suspend", "office:user_reactivate"]
)
def test_account_actions_refuse_get(staff_client, name):
    patient = PatientFactory(state=User.State.PENDING)
    assert staff_client.get(reverse(name, args=[patient.pk])).status_code == 405
    patient.refresh_from_db()
    assert patient.state == User.State.PENDING


def test_refused_account_actions_are_messages_not_errors(staff_client, staff):
    active = PatientFactory()

    approve = staff_client.post(reverse("office:user_approve", args=[active.pk]), follow=True)
    suspend_self = staff_client.post(reverse("office:user_suspend", args=[staff.pk]), follow=True)

    assert approve.status_code == 200 and "Only a pending account" in approve.content.decode()
    assert suspend_self.status_code == 200
    assert "cannot suspend your own account" in suspend_self.content.decode()
    staff.refresh_from_db()
    assert staff.state == User.State.ACTIVE


def test_account_actions_do_not_redirect_off_site(staff_client):
    patient = PatientFactory()
    response = staff_client.post(
        reverse("office:user_suspend", args=[patient.pk]), {"next": "https://evil.test/"}
    )
    assert response["Location"] == reverse("office:users")


# --- contact messages ------------------------------------------------------------------------


def test_messages_newest_first_and_mark_handled(staff_client):
    older = contact_message_create(name="A", email="a@x.test", subject="Old", message="…")
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        newer = contact_message_create(name="B", email="b@x.test", subject="New", message="…")

    page = staff_client.get(reverse("office:messages"))
    assert [m.pk for m in page.context["page"]] == [newer.pk, older.pk]

    response = staff_client.post(reverse("office:message_handled", args=[older.pk]))
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.handled_at == NOW
    only_new = staff_client.get(reverse("office:messages"), {"show": "new"})
    assert [m.pk for m in only_new.context["page"]] == [newer.pk]


def test_marking_a_handled_message_again_is_a_message(staff_client):
    message = contact_message_create(name="A", email="a@x.test", subject="S", message="M")
    staff_client.post(reverse("office:message_handled", args=[message.pk]))
    again = staff_client.post(reverse("office:message_handled", args=[message.pk]), follow=True)
    assert again.status_code == 200 and "already marked" in again.content.decode()
    assert staff_client.get(reverse("office:message_handled", args=[message.pk])).status_code == (
        405
    )


# --- appointments ----------------------------------------------------------------------------


@pytest.fixture
def two_calendars():
    """A requested and a confirmed visit at two practitioners, around a Kolkata midnight."""
    round_clock = {"start": time(0, 0), "end": time(23, 30)}
    asha = bookable_calendar(
        practitioner=PractitionerFactory(user__full_name="Asha Iyer"), **round_clock
    )
    ben = bookable_calendar(
        practitioner=PractitionerFactory(user__full_name="Ben Thomas"),
        auto_confirm=True,
        **round_clock,
    )
    late = book(asha, PatientFactory(full_name="Lata Late", email="lata@example.test"), ist(3, 23))
    # 00:30 on Wednesday in Kolkata is still Tuesday in UTC.
    early = book(ben, PatientFactory(full_name="Eshan Early"), ist(4, 0, 30))
    return asha, ben, late, early


def listed(client, **params):
    response = client.get(reverse("office:appointments"), params)
    assert response.status_code == 200, response.content.decode()[:500]
    return [a.pk for a in response.context["page"]]


def test_appointment_filters(staff_client, two_calendars):
    asha, ben, late, early = two_calendars

    assert listed(staff_client, first_day="") == [late.pk, early.pk]
    assert listed(staff_client, first_day="", status="confirmed") == [early.pk]
    assert listed(staff_client, first_day="", practitioner=asha.practitioner.pk) == [late.pk]
    assert listed(staff_client, first_day="", patient="lata@") == [late.pk]
    assert listed(staff_client, first_day="", patient="eshan") == [early.pk]


def test_appointment_dates_are_clinic_days_not_utc_days(staff_client, two_calendars):
    _, _, late, early = two_calendars

    assert listed(staff_client, first_day="2026-03-03", last_day="2026-03-03") == [late.pk]
    assert listed(staff_client, first_day="2026-03-04", last_day="2026-03-04") == [early.pk]
    assert listed(staff_client, first_day="2026-03-04") == [early.pk]
    assert listed(staff_client, last_day="2026-03-03") == [late.pk]


def test_appointments_show_location_time_and_link_to_the_detail_page(staff_client, two_calendars):
    _, _, _, early = two_calendars
    page = staff_client.get(reverse("office:appointments"), {"first_day": ""}).content.decode()
    assert "Wed 4 Mar 2026" in page and "00:30–01:00" in page
    assert f'href="/appointments/{early.pk}/"' in page
    detail = staff_client.get(f"/appointments/{early.pk}/")
    assert detail.status_code == 200 and "Cancel appointment" in detail.content.decode()


def test_appointments_start_from_today_without_filters(staff_client, staff, two_calendars):
    _, _, late, early = two_calendars
    with time_machine.travel(ist(4, 9), tick=False):
        staff_client.force_login(staff)  # a session ends within a day of its login
        response = staff_client.get(reverse("office:appointments"))
    assert [a.pk for a in response.context["page"]] == [early.pk]
    assert 'value="2026-03-04"' in response.content.decode()


def test_a_backwards_date_range_is_a_form_error(staff_client):
    response = staff_client.get(
        reverse("office:appointments"), {"first_day": "2026-03-05", "last_day": "2026-03-04"}
    )
    assert response.status_code == 400
    assert 'id="id_last_day_error"' in response.content.decode()


def test_appointment_list_queries_are_bounded(staff_client, django_assert_max_num_queries):
    calendars = [bookable_calendar(location=LocationFactory()) for _ in range(3)]
    for i in range(30):
        cal = calendars[i % 3]
        book(cal, PatientFactory(), ist(3 + i // 15, 9) + timedelta(minutes=30 * (i % 15 // 3)))
    assert Appointment.objects.count() == 30

    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("office:appointments"), {"first_day": ""})
    assert len(response.context["page"].object_list) == 25


def test_book_for_a_patient_explains_the_flow_and_links_to_the_directory(staff_client):
    page = staff_client.get(reverse("office:book_for_patient")).content.decode()
    assert 'href="/practitioners/"' in page and "Patient" in page


# --- creating a practitioner -----------------------------------------------------------------


def create_form(**overrides):
    data = {
        "full_name": "Farah Khan",
        "email": "farah@example.test",
        "phone": "+91 90000 00000",
        "password": "",
        "title": "Dr.",
        "kind": "doctor",
        "specialties": [SpecialtyFactory(name="ENT", slug="ent").pk],
        "qualifications": "MBBS, MS (ENT)",
        "registration_number": "MMC-77",
        "years_experience": "12",
        "gender": "female",
        "consultation_fee": "800",
        "offers_in_person": "on",
        "service_name": "Consultation",
        "service_minutes": "15",
        "location": LocationFactory().pk,
        "weekdays": ["0", "1", "2", "3", "4"],
        "start_time": "09:00",
        "end_time": "12:00",
    }
    data.update(overrides)
    return data


def test_staff_create_a_bookable_practitioner_and_see_the_password_once(staff_client, staff):
    response = staff_client.post(reverse("office:practitioner_create"), create_form())

    practitioner = Practitioner.objects.get(user__email="farah@example.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("office:practitioner", args=[practitioner.pk])
    assert practitioner.verified_by == staff and practitioner.user.state == User.State.ACTIVE
    slot = next_free_slots(practitioner_ids=[practitioner.pk])[practitioner.pk]
    assert slot is not None

    first = staff_client.get(response["Location"])
    password = first.context["password"]
    assert password and password in first.content.decode()
    assert practitioner.user.check_password(password)
    assert "Next free slot" in first.content.decode()
    again = staff_client.get(response["Location"])
    assert again.context["password"] is None and password not in again.content.decode()
    assert "Farah Khan" in staff_client.get("/practitioners/").content.decode()


def test_a_password_staff_choose_is_kept_and_not_shown(staff_client):
    staff_client.post(
        reverse("office:practitioner_create"), create_form(password="ear-nose-throat-77")
    )
    practitioner = Practitioner.objects.get(user__email="farah@example.test")
    assert practitioner.user.check_password("ear-nose-throat-77")
    page = staff_client.get(reverse("office:practitioner", args=[practitioner.pk]))
    assert page.context["password"] is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_time": "08:00"}, "end_time"),
        ({"service_minutes": "200"}, "service_minutes"),
        ({"weekdays": []}, "weekdays"),
        ({"offers_in_person": ""}, "offers_in_person"),
        ({"password": "123"}, "password"),
        ({"email": "taken@example.test"}, "email"),
        ({"specialties": []}, "specialties"),
    ],
)
def test_create_practitioner_errors_are_tied_to_their_fields(staff_client, overrides, field):
    UserFactory(email="Taken@example.test")
    response = staff_client.post(reverse("office:practitioner_create"), create_form(**overrides))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Practitioner.objects.exists()
