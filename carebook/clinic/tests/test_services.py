import pytest
from django.contrib.auth.models import AnonymousUser

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.clinic.models import ContactMessage
from carebook.clinic.services import (
    contact_message_mark_handled,
    practitioner_unverify,
    practitioner_verify,
)
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.core.errors import IllegalTransition, PermissionDenied


def pending_practitioner():
    user = UserFactory(role=User.Role.PRACTITIONER, state=User.State.PENDING)
    return PractitionerFactory(user=user, verified_at=None)


@pytest.mark.django_db
def test_staff_verifies_pending_practitioner_and_activates_account():
    practitioner = pending_practitioner()
    staff = StaffFactory()

    result = practitioner_verify(practitioner=practitioner, by=staff)

    practitioner.refresh_from_db()
    assert practitioner.is_verified
    assert practitioner.verified_by == staff
    assert practitioner.user.state == User.State.ACTIVE
    assert result.verified_at == practitioner.verified_at


@pytest.mark.django_db
def test_verify_keeps_a_suspended_account_suspended():
    user = UserFactory(role=User.Role.PRACTITIONER, state=User.State.SUSPENDED, is_active=False)
    practitioner = PractitionerFactory(user=user, verified_at=None)

    practitioner_verify(practitioner=practitioner, by=StaffFactory())

    user.refresh_from_db()
    assert user.state == User.State.SUSPENDED


@pytest.mark.django_db
def test_verifying_a_verified_practitioner_is_an_illegal_transition():
    practitioner = PractitionerFactory()  # verified
    verified_at = practitioner.verified_at

    with pytest.raises(IllegalTransition):
        practitioner_verify(practitioner=practitioner, by=StaffFactory())

    practitioner.refresh_from_db()
    assert practitioner.verified_at == verified_at


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make_actor",
    [
        PatientFactory,
        lambda: PractitionerFactory().user,
        lambda: StaffFactory(state=User.State.PENDING),
        lambda: AnonymousUser(),
    ],
    ids=["patient", "practitioner", "pending-staff", "anonymous"],
)
def test_only_active_staff_may_verify_or_unverify(make_actor):
    actor = make_actor()
    pending = pending_practitioner()
    verified = PractitionerFactory()

    with pytest.raises(PermissionDenied):
        practitioner_verify(practitioner=pending, by=actor)
    with pytest.raises(PermissionDenied):
        practitioner_unverify(practitioner=verified, by=actor)

    pending.refresh_from_db()
    verified.refresh_from_db()
    assert not pending.is_verified
    assert pending.user.state == User.State.PENDING
    assert verified.is_verified


@pytest.mark.django_db
def test_staff_unverifies_practitioner():
    staff = StaffFactory()
    practitioner = PractitionerFactory(verified_by=staff)

    practitioner_unverify(practitioner=practitioner, by=staff)

    practitioner.refresh_from_db()
    assert practitioner.verified_at is None
    assert practitioner.verified_by is None
    assert practitioner.user.state == User.State.ACTIVE


@pytest.mark.django_db
def test_unverifying_an_unverified_practitioner_is_an_illegal_transition():
    with pytest.raises(IllegalTransition):
        practitioner_unverify(practitioner=pending_practitioner(), by=StaffFactory())


@pytest.mark.django_db
def test_verify_again_after_unverify():
    staff = StaffFactory()
    practitioner = PractitionerFactory()

    practitioner_unverify(practitioner=practitioner, by=staff)
    practitioner_verify(practitioner=practitioner, by=staff)

    practitioner.refresh_from_db()
    assert practitioner.is_verified
    assert practitioner.verified_by == staff


def contact_message():
    return ContactMessage.objects.create(
        name="Ravi", email="ravi@example.test", subject="Parking", message="Is there parking?"
    )


@pytest.mark.django_db
def test_staff_marks_contact_message_handled_once():
    message = contact_message()
    staff = StaffFactory()

    contact_message_mark_handled(message=message, by=staff)

    message.refresh_from_db()
    assert message.handled_at is not None
    with pytest.raises(IllegalTransition):
        contact_message_mark_handled(message=message, by=staff)


@pytest.mark.django_db
def test_patient_cannot_mark_contact_message_handled():
    message = contact_message()

    with pytest.raises(PermissionDenied):
        contact_message_mark_handled(message=message, by=PatientFactory())

    message.refresh_from_db()
    assert message.handled_at is None
