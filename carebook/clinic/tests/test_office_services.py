import pytest
from django.contrib.admin.models import LogEntry

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.clinic.services import (
    REGISTRATION_REJECTED,
    practitioner_registration_reject,
)
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.core.errors import IllegalTransition, InvalidInput, PermissionDenied

pytestmark = pytest.mark.django_db


def pending_practitioner():
    user = UserFactory(role=User.Role.PRACTITIONER, state=User.State.PENDING)
    return PractitionerFactory(user=user, verified_at=None)


def test_reject_suspends_the_account_keeps_it_unverified_and_logs_the_reason():
    practitioner = pending_practitioner()
    staff = StaffFactory()

    practitioner_registration_reject(
        practitioner=practitioner, by=staff, reason="  Registration number not found  "
    )

    practitioner.refresh_from_db()
    user = practitioner.user
    assert not practitioner.is_verified
    assert user.state == User.State.SUSPENDED and not user.is_active
    entry = LogEntry.objects.get(content_type__model="practitioner", object_id=str(practitioner.pk))
    suspended = LogEntry.objects.get(content_type__model="user", object_id=str(user.pk))
    assert suspended.change_message == "Account suspended"
    assert entry.user == staff
    assert entry.change_message == f"{REGISTRATION_REJECTED}Registration number not found"


def test_reject_needs_a_reason():
    practitioner = pending_practitioner()

    with pytest.raises(InvalidInput):
        practitioner_registration_reject(practitioner=practitioner, by=StaffFactory(), reason=" ")

    practitioner.user.refresh_from_db()
    assert practitioner.user.state == User.State.PENDING
    assert not LogEntry.objects.exists()


def test_a_verified_practitioner_cannot_be_rejected():
    practitioner = PractitionerFactory()

    with pytest.raises(IllegalTransition):
        practitioner_registration_reject(practitioner=practitioner, by=StaffFactory(), reason="x")

    practitioner.user.refresh_from_db()
    assert practitioner.user.state == User.State.ACTIVE


def test_a_rejected_registration_cannot_be_rejected_twice():
    practitioner = pending_practitioner()
    staff = StaffFactory()
    practitioner_registration_reject(practitioner=practitioner, by=staff, reason="no licence")

    with pytest.raises(IllegalTransition):
        practitioner_registration_reject(practitioner=practitioner, by=staff, reason="again")

    assert LogEntry.objects.count() == 2  # the registration rejected, the account suspended


@pytest.mark.parametrize("make_actor", [PatientFactory, lambda: PractitionerFactory().user])
def test_only_staff_reject_registrations(make_actor):
    practitioner = pending_practitioner()

    with pytest.raises(PermissionDenied):
        practitioner_registration_reject(practitioner=practitioner, by=make_actor(), reason="x")

    practitioner.user.refresh_from_db()
    assert practitioner.user.state == User.State.PENDING
