"""The actions offered are exactly the ones the services accept, for anyone, at any time."""

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_mark_no_show,
    appointment_reject,
)
from carebook.booking.status import TRANSITIONS, allowed_actions
from carebook.booking.tests.factories import appointment_row, bookable_calendar
from carebook.core.errors import DomainError

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
SERVICES = {
    "confirm": lambda a, by, now: appointment_confirm(appointment=a, by=by, now=now),
    "reject": lambda a, by, now: appointment_reject(appointment=a, by=by, reason="No", now=now),
    "cancel": lambda a, by, now: appointment_cancel(appointment=a, by=by, now=now),
    "complete": lambda a, by, now: appointment_complete(appointment=a, by=by, now=now),
    "no_show": lambda a, by, now: appointment_mark_no_show(appointment=a, by=by, now=now),
}
days = count()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    status=st.sampled_from([s.value for s in Appointment.Status]),
    who=st.sampled_from(["patient", "practitioner", "staff", "stranger"]),
    action=st.sampled_from(sorted(TRANSITIONS)),
    hours_before=st.integers(-3, 50),
    cutoff=st.sampled_from([0, 2, 24]),
)
def test_an_action_is_offered_exactly_when_the_service_accepts_it(
    status, who, action, hours_before, cutoff
):
    cal = bookable_calendar(cutoff_hours=cutoff)
    patient = PatientFactory()
    start = START + timedelta(days=next(days))
    appointment = appointment_row(cal, patient, start, status=status)
    by = {
        "patient": patient,
        "practitioner": cal.practitioner.user,
        "staff": StaffFactory(),
        "stranger": PatientFactory(),
    }[who]
    now = start - timedelta(hours=hours_before)
    offered = action in allowed_actions(appointment, by, now=now)
    try:
        SERVICES[action](appointment, by, now)
        accepted = True
    except DomainError:
        accepted = False
    assert offered == accepted
