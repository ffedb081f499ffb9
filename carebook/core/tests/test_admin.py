from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.forms import ReadOnlyPasswordHashField
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.accounts.models import FailedLogin, User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.services import appointment_book
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Clinic, ContactMessage, Language, Practitioner
from carebook.clinic.tests.factories import PractitionerFactory, SpecialtyFactory
from carebook.scheduling.tests.factories import TimeOffFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday, 05:30 in Kolkata
NINE_IST = datetime(2026, 3, 2, 3, 30, tzinfo=UTC)

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
ADMIN_IDS = [model._meta.label for model, _ in REGISTERED]


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff():
    return StaffFactory()


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


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


def pending_practitioner():
    user = UserFactory(role=User.Role.PRACTITIONER, state=User.State.PENDING)
    return PractitionerFactory(user=user, verified_at=None)


@pytest.fixture
def calendar():
    return bookable_calendar()


@pytest.fixture
def one_of_each(calendar):
    """At least one row of every model the admin shows."""
    Clinic.current()
    Language.objects.create(code="hi", name="Hindi")
    calendar.practitioner.specialties.add(SpecialtyFactory())
    TimeOffFactory(
        practitioner=calendar.practitioner,
        start=NOW + timedelta(days=10),
        end=NOW + timedelta(days=11),
    )
    book(calendar, PatientFactory(), NINE_IST)
    pending_practitioner()
    FailedLogin.objects.create(email="someone@example.test", ip="203.0.113.7")
    ContactMessage.objects.create(
        name="Ravi", email="ravi@example.test", subject="Parking", message="Is there parking?"
    )
    Group.objects.create(name="Reception")


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def as_staff(staff):
    request = RequestFactory().get("/admin/")
    request.user = staff
    return request


def assert_admin_page(response):
    assert response.status_code == 200
    assert response.resolver_match.url_name != "login"


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=ADMIN_IDS)
def test_changelist_renders(staff_client, one_of_each, model, model_admin):
    assert_admin_page(staff_client.get(admin_url(model, "changelist"), follow=True))


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=ADMIN_IDS)
def test_add_page_renders_or_is_refused(staff_client, staff, one_of_each, model, model_admin):
    response = staff_client.get(admin_url(model, "add"))
    if model_admin.has_add_permission(as_staff(staff)):
        assert_admin_page(response)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=ADMIN_IDS)
def test_change_page_renders(staff_client, one_of_each, model, model_admin):
    obj = model._default_manager.order_by("pk").first()
    if obj is None:
        assert not model.__module__.startswith("carebook."), "one_of_each misses a model"
        pytest.skip(f"no {model._meta.label} rows to show")
    assert_admin_page(staff_client.get(admin_url(model, "change", obj.pk)))


@pytest.mark.parametrize(
    "model", [Appointment, AppointmentHistory, User], ids=lambda m: m._meta.label
)
def test_changelist_queries_do_not_grow_with_rows(staff_client, calendar, model):
    url = admin_url(model, "changelist")
    book(calendar, PatientFactory(), NINE_IST)
    with CaptureQueriesContext(connection) as one:
        assert_admin_page(staff_client.get(url))
    for hour in (1, 2, 3):
        book(calendar, PatientFactory(), NINE_IST + timedelta(hours=hour))
    with CaptureQueriesContext(connection) as four:
        assert_admin_page(staff_client.get(url))
    assert len(four) == len(one)


def test_practitioner_changelist_queries_do_not_grow_with_rows(staff_client):
    url = admin_url(Practitioner, "changelist")
    PractitionerFactory().specialties.add(SpecialtyFactory())
    with CaptureQueriesContext(connection) as one:
        assert_admin_page(staff_client.get(url))
    for _ in range(3):
        PractitionerFactory().specialties.add(SpecialtyFactory())
    with CaptureQueriesContext(connection) as four:
        assert_admin_page(staff_client.get(url))
    assert len(four) == len(one)


def run_action(client, model, action, *objects):
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [o.pk for o in objects], "index": 0},
        follow=True,
    )


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_verify_action_verifies_pending_practitioner(staff_client, staff):
    practitioner = pending_practitioner()

    response = run_action(staff_client, type(practitioner), "verify_practitioners", practitioner)

    assert_admin_page(response)
    practitioner.refresh_from_db()
    assert practitioner.is_verified
    assert practitioner.verified_by == staff
    assert practitioner.user.state == User.State.ACTIVE
    assert any("Verified 1" in text for text in texts(response))


def test_verify_action_reports_refusals_and_does_the_rest(staff_client):
    verified = PractitionerFactory()
    pending = pending_practitioner()

    response = run_action(staff_client, type(pending), "verify_practitioners", verified, pending)

    assert_admin_page(response)
    pending.refresh_from_db()
    assert pending.is_verified
    assert any("already verified" in text for text in texts(response))


def test_unverify_action(staff_client):
    practitioner = PractitionerFactory()

    run_action(staff_client, type(practitioner), "unverify_practitioners", practitioner)

    practitioner.refresh_from_db()
    assert not practitioner.is_verified


def test_appointment_actions_go_through_the_status_machine(staff_client, calendar):
    appointment = book(calendar, PatientFactory(), NINE_IST)

    run_action(staff_client, Appointment, "confirm_appointments", appointment)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED

    run_action(staff_client, Appointment, "cancel_appointments", appointment)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert [h.action for h in appointment.history.order_by("id")] == [
        "booked",
        "confirm",
        "cancel",
    ]

    response = run_action(staff_client, Appointment, "confirm_appointments", appointment)
    assert_admin_page(response)
    assert any("cannot be confirmed" in text for text in texts(response))


def test_appointment_change_page_is_read_only(staff_client, staff, calendar):
    # Every change goes through a service and leaves a history row; the admin writes nothing.
    appointment = book(calendar, PatientFactory(), NINE_IST)
    url = admin_url(Appointment, "change", appointment.pk)
    form = staff_client.get(url).context["adminform"].form
    assert list(form.fields) == []
    staff_client.post(
        url,
        {
            "reason": "Knee pain",
            "history-TOTAL_FORMS": 0,
            "history-INITIAL_FORMS": 0,
            "history-MIN_NUM_FORMS": 0,
            "history-MAX_NUM_FORMS": 0,
        },
    )
    appointment.refresh_from_db()
    assert appointment.reason != "Knee pain"
    assert appointment.history.count() == 1


def test_appointments_and_history_cannot_be_added_or_deleted(staff_client, calendar):
    appointment = book(calendar, PatientFactory(), NINE_IST)
    history = appointment.history.get()

    assert staff_client.get(admin_url(Appointment, "add")).status_code == 403
    assert staff_client.get(admin_url(Appointment, "delete", appointment.pk)).status_code == 403
    assert staff_client.get(admin_url(AppointmentHistory, "add")).status_code == 403
    response = staff_client.post(admin_url(AppointmentHistory, "change", history.pk), {})
    assert response.status_code == 403
    response = staff_client.get(admin_url(AppointmentHistory, "delete", history.pk))
    assert response.status_code == 403


def test_user_add_form_hashes_the_password(staff_client):
    response = staff_client.post(
        admin_url(User, "add"),
        {
            "email": "New.Person@Example.test",
            "full_name": "New Person",
            "phone": "",
            "role": User.Role.PATIENT,
            "state": User.State.ACTIVE,
            "password1": "a-long-password-42",
            "password2": "a-long-password-42",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.test")
    assert user.check_password("a-long-password-42")
    assert user.password != "a-long-password-42"


def test_user_add_form_refuses_mismatched_passwords_and_taken_email(staff_client, staff):
    response = staff_client.post(
        admin_url(User, "add"),
        {
            "email": staff.email.upper(),
            "full_name": "Copy",
            "role": User.Role.STAFF,
            "state": User.State.ACTIVE,
            "password1": "a-long-password-42",
            "password2": "another-password-42",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "email" in errors and "password2" in errors


def test_user_change_page_shows_the_hash_read_only(staff_client):
    patient = PatientFactory()

    response = staff_client.get(admin_url(User, "change", patient.pk))

    form = response.context["adminform"].form
    assert isinstance(form.fields["password"], ReadOnlyPasswordHashField)
    assert form.fields["password"].disabled
    assert "state" not in form.fields  # changed only by the approve/suspend actions
    assert "patient_profile" in response.content.decode()


def test_user_actions_call_the_account_services(staff_client, staff):
    pending = UserFactory(state=User.State.PENDING)
    active = UserFactory()

    run_action(staff_client, User, "approve_users", pending)
    run_action(staff_client, User, "suspend_users", active)
    response = run_action(staff_client, User, "suspend_users", staff)

    pending.refresh_from_db()
    active.refresh_from_db()
    assert pending.state == User.State.ACTIVE
    assert active.state == User.State.SUSPENDED and not active.is_active
    assert any("cannot suspend your own account" in text for text in texts(response))

    run_action(staff_client, User, "reactivate_users", active)
    active.refresh_from_db()
    assert active.state == User.State.ACTIVE and active.is_active


def test_practitioner_user_autocomplete_offers_practitioner_accounts_only(staff_client):
    practitioner = PractitionerFactory(user__full_name="Asha Practitioner")
    PatientFactory(full_name="Asha Patient")

    response = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "clinic", "model_name": "practitioner", "field_name": "user", "term": "Asha"},
    )

    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(practitioner.user_id)]


def test_clinic_list_opens_the_one_clinic(staff_client):
    clinic = Clinic.current()

    response = staff_client.get(admin_url(Clinic, "changelist"))

    assert response.status_code == 302
    assert response.url == admin_url(Clinic, "change", clinic.pk)


def test_contact_message_mark_handled_action(staff_client):
    message = ContactMessage.objects.create(
        name="Ravi", email="ravi@example.test", subject="Parking", message="Is there parking?"
    )

    run_action(staff_client, ContactMessage, "mark_handled", message)

    message.refresh_from_db()
    assert message.handled_at is not None
