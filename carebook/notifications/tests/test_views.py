from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_reschedule,
)
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.notifications import services
from carebook.notifications.context_processors import notifications
from carebook.notifications.models import CalendarFeedToken, Delivery, Notification
from carebook.notifications.tests import conftest
from carebook.notifications.tests.conftest import run_worker

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
NINE_IST = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)
S = Appointment.Status


def book(cal, patient, start):
    return conftest.book(cal, patient, start=start, now=NOW)


@pytest.fixture(autouse=True)
def _at_now(clock):
    clock.at(NOW)


@pytest.fixture
def cal():
    return bookable_calendar()


def login(client, user):
    client.force_login(user)
    return client


def feed_url_for(client, user) -> str:
    login(client, user)
    client.post(reverse("notifications:calendar"), {"action": "regenerate"})
    page = client.get(reverse("notifications:calendar"))
    url = page.context["feed_url"]
    assert url.startswith("http://testserver/notifications/calendar/") and url.endswith(".ics")
    client.logout()
    return url.removeprefix("http://testserver")


def parse_feed(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


# --- calendar feeds ------------------------------------------------------------------------


def test_feed_lists_exactly_the_callers_active_appointments(client, cal):
    me = PatientFactory(full_name="Meera Krishnan")
    someone_else = PatientFactory()
    doctor = cal.practitioner.user
    requested = book(cal, me, NINE_IST)
    confirmed = book(cal, me, NINE_IST + timedelta(hours=1))
    appointment_confirm(appointment=confirmed, by=doctor, now=NOW)
    cancelled = book(cal, me, NINE_IST + timedelta(hours=2))
    appointment_cancel(appointment=cancelled, by=me, now=NOW)
    done = book(cal, me, NINE_IST + timedelta(hours=3))
    appointment_confirm(appointment=done, by=doctor, now=NOW)
    appointment_complete(appointment=done, by=doctor, now=NINE_IST + timedelta(hours=4))
    moved_from = book(cal, me, NINE_IST + timedelta(hours=4))
    moved_to = appointment_reschedule(
        appointment=moved_from, start=NINE_IST + timedelta(days=1), by=me, now=NOW
    )
    theirs = book(cal, someone_else, NINE_IST + timedelta(hours=5))

    cal_for_me = parse_feed(client.get(feed_url_for(client, me)))
    assert cal_for_me["METHOD"] == "PUBLISH"
    events = {str(e["UID"]): e for e in cal_for_me.walk("VEVENT")}
    assert set(events) == {
        f"appointment-{requested.pk}@carebook",
        f"appointment-{confirmed.pk}@carebook",
        f"appointment-{moved_from.pk}@carebook",  # the moved one keeps its first UID
    }
    moved_event = events[f"appointment-{moved_from.pk}@carebook"]
    assert moved_event.decoded("DTSTART") == moved_to.start
    assert moved_event["SEQUENCE"] >= 2
    assert events[f"appointment-{confirmed.pk}@carebook"]["STATUS"] == "CONFIRMED"
    assert events[f"appointment-{requested.pk}@carebook"]["STATUS"] == "TENTATIVE"
    for event in events.values():
        assert event["DTSTART"].to_ical().endswith(b"Z")
        assert "ORGANIZER" in event and "ATTENDEE" not in event

    cal_for_doctor = parse_feed(client.get(feed_url_for(client, doctor)))
    uids = {str(e["UID"]) for e in cal_for_doctor.walk("VEVENT")}
    assert uids == set(events) | {f"appointment-{theirs.pk}@carebook"}
    summaries = [str(e["SUMMARY"]) for e in cal_for_doctor.walk("VEVENT")]
    assert "Consultation · Meera K. (requested)" in summaries
    assert not any("Krishnan" in s for s in summaries)  # no more of the patient than needed


def test_wrong_or_revoked_token_gets_404(client, cal):
    me = PatientFactory()
    url = feed_url_for(client, me)
    assert client.get(url).status_code == 200
    assert client.get(url.replace(".ics", "x.ics")).status_code == 404
    assert client.get("/notifications/calendar/not-a-token.ics").status_code == 404

    login(client, me)
    client.post(reverse("notifications:calendar"), {"action": "revoke"})
    client.logout()
    assert client.get(url).status_code == 404


def test_a_new_feed_url_replaces_the_old_one(client, cal):
    me = PatientFactory()
    first = feed_url_for(client, me)
    second = feed_url_for(client, me)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert CalendarFeedToken.objects.filter(user=me, revoked_at__isnull=True).count() == 1
    token = second.rsplit("/", 1)[1].removesuffix(".ics")
    assert not CalendarFeedToken.objects.filter(token_hash=token).exists()  # stored hashed


def test_suspended_accounts_feed_is_404(client, cal):
    me = PatientFactory()
    url = feed_url_for(client, me)
    User.objects.filter(pk=me.pk).update(state=User.State.SUSPENDED, is_active=False)
    assert client.get(url).status_code == 404


def test_feed_page_needs_login_and_staff_have_no_feed(client):
    assert client.get(reverse("notifications:calendar")).status_code == 302
    login(client, StaffFactory())
    assert client.get(reverse("notifications:calendar")).context["can_have_feed"] is False
    assert client.post(reverse("notifications:calendar")).status_code == 404


# --- the bell ------------------------------------------------------------------------------


def test_bell_shows_the_unread_count(client, cal):
    me = PatientFactory()
    appt = book(cal, me, NINE_IST)
    appointment_confirm(appointment=appt, by=cal.practitioner.user, now=NOW)
    Notification.objects.create(user=me, text="Something else", link="")
    run_worker()
    login(client, me)
    page = client.get(reverse("my_appointments")).content.decode()
    assert 'class="bell"' in page
    assert '<span class="count-badge">2<span class="visually-hidden"> unread</span>' in page

    listing = client.get(reverse("notifications:list"))
    confirmed = next(n for n in listing.context["page"] if "confirmed" in n.text)
    response = client.post(reverse("notifications:open", args=[confirmed.pk]))
    assert response.status_code == 302 and response.url == f"/appointments/{appt.pk}/"
    page = client.get(reverse("my_appointments")).content.decode()
    assert '<span class="count-badge">1<span' in page

    client.post(reverse("notifications:read_all"))
    assert "count-badge" not in client.get(reverse("my_appointments")).content.decode()


def test_bell_costs_one_count_query_and_nothing_for_visitors():
    request = RequestFactory().get("/")
    request.user = PatientFactory()
    context = notifications(request)
    with CaptureQueriesContext(connection) as queries:
        assert str(context["notifications_unread"]) == "0"
        assert not context["notifications_unread"]
    assert len(queries) == 1 and "COUNT" in queries[0]["sql"]

    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert notifications(request) == {}


def test_someone_elses_notification_is_404(client):
    theirs = Notification.objects.create(user=PatientFactory(), text="Private", link="")
    login(client, PatientFactory())
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_staff_hear_of_registrations_and_contact_messages(client):
    from carebook.clinic.services import contact_message_create, practitioner_register

    staff, other_staff = StaffFactory(), StaffFactory()
    UserFactory(role=User.Role.STAFF, state=User.State.SUSPENDED, is_active=False)
    practitioner_register(
        email="new.doc@example.test", password="x-long-pass-1", full_name="Ila Sen"
    )
    contact_message_create(name="Ravi", email="r@example.test", subject="Parking", message="?")
    for person in (staff, other_staff):
        texts = list(Notification.objects.filter(user=person).values_list("text", "link"))
        assert ("New contact message from Ravi: Parking", "/office/messages/") in texts
        assert (
            "Ila Sen registered as a practitioner and waits for verification.",
            "/office/registrations/",
        ) in texts
    assert Notification.objects.count() == 4
    login(client, staff)
    assert '<span class="count-badge">2<span' in client.get("/").content.decode()


# --- preferences ---------------------------------------------------------------------------


def test_patient_opts_in_to_sms(client):
    me = PatientFactory(phone="+91 90000 00000")
    login(client, me)
    assert client.get(reverse("notifications:preferences")).status_code == 200
    client.post(reverse("notifications:preferences"), {"email": "on", "sms": "on"})
    pref = me.notification_preference
    assert (pref.email, pref.sms) == (True, True)


def test_practitioners_cannot_turn_sms_on():
    doctor = PractitionerFactory().user
    pref = services.preferences_update(user=doctor, email=True, sms=True)
    assert pref.sms is False


# --- the delivery log ----------------------------------------------------------------------


def _delivery(n, status="sent", channel="email"):
    return Delivery.objects.create(
        key=f"1:test:{n}:1:{channel}",
        event="test",
        channel=channel,
        to=f"person{n}@example.test",
        subject=f"Message {n}",
        body="Hello",
        status=status,
        last_error="SMTPServerDisconnected: gone" if status == "failed" else "",
    )


def test_delivery_log_is_for_staff_only(client):
    _delivery(1)
    url = reverse("notifications:deliveries")
    assert client.get(url).status_code == 302  # to the login page
    for outsider in (PatientFactory(), PractitionerFactory().user):
        login(client, outsider)
        assert client.get(url).status_code == 404
        assert client.post(reverse("notifications:delivery_retry", args=[1])).status_code == 404
    login(client, StaffFactory())
    response = client.get(url)
    assert response.status_code == 200
    assert "person1@example.test" in response.content.decode()


def test_delivery_log_filters_by_status_and_pages(client):
    for n in range(55):
        _delivery(n)
    _delivery(100, status="failed")
    login(client, StaffFactory())
    url = reverse("notifications:deliveries")
    first = client.get(url)
    assert first.context["page"].paginator.num_pages == 2
    assert len(first.context["page"]) == 50
    failed = client.get(url, {"status": "failed"})
    assert [d.subject for d in failed.context["page"]] == ["Message 100"]
    assert "SMTPServerDisconnected: gone" in failed.content.decode()
    second = client.get(url, {"status": "sent", "page": 2})
    assert len(second.context["page"]) == 5


def test_staff_can_send_a_failed_message_again(client):
    delivery = _delivery(1, status="failed")
    login(client, StaffFactory())
    client.post(reverse("notifications:delivery_retry", args=[delivery.pk]))
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_staff_set_the_reminder_times(client):
    login(client, StaffFactory())
    url = reverse("notifications:settings")
    assert "24h, 1h" in client.get(url).content.decode()
    client.post(url, {"offsets": "48h, 2, 30m"})
    assert "48h, 2h, 30m" in client.get(url).content.decode()
    response = client.post(url, {"offsets": "soon"})
    assert "is not a length of time" in response.content.decode()
    login(client, PatientFactory())
    assert client.get(url).status_code == 404


def test_a_verification_notice_leaves_every_staff_bell_once_anyone_acts(client):
    from carebook.clinic.services import practitioner_verify
    from carebook.clinic.tests.factories import PractitionerFactory
    from carebook.notifications.services import notify_staff_practitioner_registered

    first, second = StaffFactory(), StaffFactory()
    practitioner = PractitionerFactory(verified_at=None)
    notify_staff_practitioner_registered(practitioner=practitioner)
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    practitioner_verify(practitioner=practitioner, by=first)
    assert not Notification.objects.filter(user=second, read_at__isnull=True).exists()
    client.force_login(second)
    page = client.get("/notifications/").content.decode()
    assert 'class="notice"' in page and "Nothing unread" in page
