"""An appointment's reason read by anyone but the patient is a logged clinical read, through
the door that showed it; counting and the patient's own reads log nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.paginator import Paginator
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.selectors import appointment_get_for, appointment_search
from carebook.booking.services import appointment_book
from carebook.booking.tests.factories import bookable_calendar
from carebook.core.access_log import AccessLog

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
NINE_IST = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)
REASON = AccessLog.What.APPOINTMENT_REASON


def book(cal, *, hour=0, reason="Chest pain when climbing stairs"):
    patient = PatientFactory()
    return appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=NINE_IST + timedelta(hours=hour),
        mode="in_person",
        reason=reason,
        by=patient,
        now=NOW,
    )


def logged():
    return list(AccessLog.objects.order_by("pk").values_list("by", "what", "object_id", "door"))


def test_one_appointment_read_by_its_practitioner_is_logged_not_by_its_patient():
    cal = bookable_calendar()
    a = book(cal)
    assert appointment_get_for(user=a.patient, pk=a.pk) == a
    assert logged() == []
    doctor = cal.practitioner.user
    assert appointment_get_for(user=doctor, pk=a.pk, door="fhir", path="/fhir/R4/x") == a
    assert logged() == [(doctor.pk, REASON, a.pk, "fhir")]
    assert AccessLog.objects.get().patient == a.patient


def test_an_empty_reason_and_a_caller_that_shows_none_log_nothing():
    cal = bookable_calendar()
    quiet = book(cal, reason="")
    staff = StaffFactory()
    assert appointment_get_for(user=staff, pk=quiet.pk) == quiet
    a = book(cal, hour=1)
    assert appointment_get_for(user=staff, pk=a.pk, door="") == a
    assert logged() == []


def test_a_paginated_search_logs_only_the_page_it_fetched():
    cal = bookable_calendar()
    appointments = [book(cal, hour=h) for h in range(3)]
    staff = StaffFactory()
    qs = appointment_search(user=staff, door="rest", path="/api/v1/appointments").order_by("start")
    page = Paginator(qs, 2).get_page(1)
    assert page.paginator.count == 3 and logged() == []  # counting reads no reason
    assert len(list(page.object_list)) == 2
    assert logged() == [(staff.pk, REASON, a.pk, "rest") for a in appointments[:2]]
    assert not appointment_search(user=staff, door="rest").filter(pk=0).exists()
    assert list(appointment_search(user=staff, door="rest").values_list("pk", flat=True))
    assert len(logged()) == 2


def test_the_admin_change_page_logs_the_reason_it_shows():
    cal = bookable_calendar()
    a = book(cal)
    staff = StaffFactory()
    client = Client()
    client.force_login(staff)
    response = client.get(f"/admin/booking/appointment/{a.pk}/change/")
    assert response.status_code == 200
    assert a.reason in response.content.decode()
    assert logged() == [(staff.pk, REASON, a.pk, "admin")]
