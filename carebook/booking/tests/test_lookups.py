from datetime import UTC, datetime, timedelta

import pytest

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.availability import appointments_keeping_time
from carebook.booking.lookups import (
    booking_mode,
    booking_service_lasting,
    booking_sole_location,
    proposal_patient,
)
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_book, appointment_cancel, appointment_hold
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import VisitMode
from carebook.clinic.tests.factories import LocationFactory, PractitionerFactory, ServiceFactory
from carebook.core.errors import InvalidInput
from carebook.scheduling.tests.factories import WindowFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 05:30 in Kolkata
NINE_IST = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)  # Tuesday 09:00 in Kolkata


@pytest.fixture
def cal():
    return bookable_calendar()


# proposal_patient ---------------------------------------------------------------------------------


def test_staff_may_name_any_patient_for_proposals():
    patient = PatientFactory()
    assert proposal_patient(by=StaffFactory(), patient_id=patient.pk) == patient


def test_staff_naming_nobody_gets_no_patient():
    assert proposal_patient(by=StaffFactory(), patient_id=10**12) is None


def test_patient_may_name_only_themselves_for_proposals():
    patient, other = PatientFactory(), PatientFactory()
    assert proposal_patient(by=patient, patient_id=patient.pk) == patient
    assert proposal_patient(by=patient, patient_id=other.pk) is None


def test_practitioner_and_anonymous_callers_name_no_patient(cal):
    patient = PatientFactory()
    assert proposal_patient(by=cal.practitioner.user, patient_id=patient.pk) is None
    assert proposal_patient(by=None, patient_id=patient.pk) is None


def test_no_patient_named_means_no_patient():
    assert proposal_patient(by=PatientFactory(), patient_id=None) is None


# booking_mode -------------------------------------------------------------------------------------


def test_mode_asked_for_is_kept_even_if_not_offered():
    # Whether it is offered is the booking service's rule, checked there for every door.
    practitioner = PractitionerFactory(offers_in_person=True, offers_video=False)
    assert booking_mode(practitioner, VisitMode.VIDEO) == VisitMode.VIDEO


@pytest.mark.parametrize("requested", [None, ""])
def test_mode_defaults_to_in_person_when_offered(requested):
    practitioner = PractitionerFactory(offers_in_person=True, offers_video=True)
    assert booking_mode(practitioner, requested) == VisitMode.IN_PERSON


def test_mode_defaults_to_video_for_a_video_only_practitioner():
    practitioner = PractitionerFactory(offers_in_person=False, offers_video=True)
    assert booking_mode(practitioner) == VisitMode.VIDEO


# booking_sole_location ----------------------------------------------------------------------------


def test_sole_location_is_the_only_schedule(cal):
    assert booking_sole_location(cal.practitioner) == cal.location


def test_no_sole_location_when_working_at_two(cal):
    WindowFactory(practitioner=cal.practitioner, location=LocationFactory(), weekday=0)
    assert booking_sole_location(cal.practitioner) is None


def test_a_closed_location_is_not_a_schedule(cal):
    closed = LocationFactory(is_active=False)
    WindowFactory(practitioner=cal.practitioner, location=closed, weekday=0)
    assert booking_sole_location(cal.practitioner) == cal.location
    cal.location.is_active = False
    cal.location.save()
    assert booking_sole_location(cal.practitioner) is None


def test_no_sole_location_without_windows_or_when_not_bookable(cal):
    assert booking_sole_location(PractitionerFactory()) is None
    cal.practitioner.verified_at = None
    cal.practitioner.save()
    assert booking_sole_location(cal.practitioner) is None
    cal.practitioner.verified_at = NOW
    cal.practitioner.save()
    User.objects.filter(pk=cal.practitioner.user_id).update(
        state=User.State.SUSPENDED, is_active=False
    )
    assert booking_sole_location(cal.practitioner) is None


# booking_service_lasting --------------------------------------------------------------------------


def test_service_lasting_picks_the_shortest_matching_active_one(cal):
    ServiceFactory(practitioner=cal.practitioner, duration_minutes=45, is_active=False)
    long = ServiceFactory(practitioner=cal.practitioner, duration_minutes=60)
    ServiceFactory(practitioner=cal.practitioner, duration_minutes=60)
    assert booking_service_lasting(practitioner=cal.practitioner, minutes=30) == cal.service
    assert booking_service_lasting(practitioner=cal.practitioner, minutes=60) == long


def test_service_lasting_any_length_is_the_shortest(cal):
    ServiceFactory(practitioner=cal.practitioner, duration_minutes=15, is_active=False)
    ServiceFactory(practitioner=cal.practitioner, duration_minutes=60)
    assert booking_service_lasting(practitioner=cal.practitioner, minutes=None) == cal.service


def test_no_service_lasting_that_long_is_refused(cal):
    ServiceFactory(practitioner=cal.practitioner, duration_minutes=45, is_active=False)
    with pytest.raises(InvalidInput, match="lasts that long"):
        booking_service_lasting(practitioner=cal.practitioner, minutes=45)
    with pytest.raises(InvalidInput, match="lasts that long"):
        booking_service_lasting(practitioner=PractitionerFactory(), minutes=None)


def test_named_service_must_be_the_practitioners_and_last_as_asked(cal):
    found = booking_service_lasting(
        practitioner=cal.practitioner, minutes=30, service_id=cal.service.pk
    )
    assert found == cal.service
    assert (
        booking_service_lasting(
            practitioner=cal.practitioner, minutes=None, service_id=cal.service.pk
        )
        == cal.service
    )
    with pytest.raises(InvalidInput, match="lasts 30 minutes"):
        booking_service_lasting(
            practitioner=cal.practitioner, minutes=60, service_id=cal.service.pk
        )
    other = ServiceFactory(duration_minutes=30)
    with pytest.raises(InvalidInput, match="does not offer"):
        booking_service_lasting(practitioner=cal.practitioner, minutes=30, service_id=other.pk)


# appointments_keeping_time ------------------------------------------------------------------------


def test_appointments_keeping_time_drop_expired_holds_and_inactive_ones(cal):
    patient = PatientFactory()
    kw = {
        "patient": patient,
        "practitioner": cal.practitioner,
        "service": cal.service,
        "location": cal.location,
        "mode": VisitMode.IN_PERSON,
        "by": patient,
        "now": NOW,
    }
    held = appointment_hold(start=NINE_IST, **kw)
    booked = appointment_book(start=NINE_IST + timedelta(hours=1), **kw)
    cancelled = appointment_book(start=NINE_IST + timedelta(hours=2), **kw)
    appointment_cancel(appointment=cancelled, by=patient, now=NOW)
    assert set(appointments_keeping_time(now=NOW)) == {held, booked}
    assert set(appointments_keeping_time(now=held.held_until - timedelta(seconds=1))) == {
        held,
        booked,
    }
    assert set(appointments_keeping_time(now=held.held_until)) == {booked}
    assert Appointment.objects.count() == 3
