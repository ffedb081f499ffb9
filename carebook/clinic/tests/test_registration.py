from collections import defaultdict

import pytest

from carebook.accounts.models import User
from carebook.clinic.services import contact_message_create, practitioner_register
from carebook.clinic.tests.factories import SpecialtyFactory
from carebook.core import events

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard(monkeypatch):
    """Every event emitted during the test, in order, with no other subscriber listening."""
    monkeypatch.setattr(events, "_handlers", defaultdict(list))
    out = []
    for name in (events.PRACTITIONER_REGISTERED, events.CONTACT_MESSAGE_RECEIVED):
        events.subscribe(name, lambda name=name, **payload: out.append((name, payload)))
    return out


def test_practitioner_registration_is_pending_and_announced(heard):
    spec = SpecialtyFactory()
    practitioner = practitioner_register(
        email="new.doc@example.test",
        password="x-long-pass-1",
        full_name="Ila Sen",
        specialties=[spec],
        kind="therapist",
    )
    assert practitioner.user.state == User.State.PENDING and not practitioner.is_verified
    assert list(practitioner.specialties.all()) == [spec]
    assert heard == [(events.PRACTITIONER_REGISTERED, {"practitioner": practitioner})]


def test_contact_message_is_announced(heard):
    message = contact_message_create(
        name="Ravi", email="r@example.test", subject="Parking", message="?"
    )
    assert heard == [(events.CONTACT_MESSAGE_RECEIVED, {"message": message})]
