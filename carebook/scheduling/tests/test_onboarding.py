from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
import time_machine

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.booking.availability import next_free_slots
from carebook.clinic.models import Practitioner
from carebook.clinic.selectors import practitioners_bookable
from carebook.clinic.tests.factories import LocationFactory, SpecialtyFactory
from carebook.core.errors import InvalidInput, PermissionDenied
from carebook.scheduling.onboarding import practitioner_create_by_staff

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


def create_args(**overrides):
    args = {
        "email": "Asha.Rao@Example.test",
        "password": "a-long-pass-phrase",
        "full_name": "Asha Rao",
        "phone": "+91 98450 00000",
        "title": "Dr.",
        "kind": Practitioner.Kind.DOCTOR,
        "specialties": [SpecialtyFactory(name="Dermatology", slug="dermatology")],
        "qualifications": "MBBS, MD",
        "registration_number": "KMC-1234",
        "years_experience": 9,
        "gender": "female",
        "consultation_fee": Decimal("700"),
        "offers_in_person": True,
        "offers_video": True,
        "service_name": "Consultation",
        "service_minutes": 20,
        "location": LocationFactory(),
        "weekdays": [0, 2, 4],
        "start_time": time(10, 0),
        "end_time": time(13, 0),
    }
    args.update(overrides)
    return args


def test_staff_create_a_practitioner_patients_can_book_at_once():
    staff = StaffFactory()
    args = create_args()

    with time_machine.travel(MONDAY, tick=False):
        practitioner = practitioner_create_by_staff(by=staff, **args)
        slot = next_free_slots(practitioner_ids=[practitioner.pk])[practitioner.pk]

    practitioner.refresh_from_db()
    user = practitioner.user
    assert user.email == "asha.rao@example.test" and user.check_password("a-long-pass-phrase")
    assert user.role == User.Role.PRACTITIONER and user.state == User.State.ACTIVE
    assert practitioner.verified_by == staff and practitioner.is_verified
    assert [s.slug for s in practitioner.specialties.all()] == ["dermatology"]
    assert practitioner.services.get().duration_minutes == 20
    assert practitioner.booking_rules is not None
    assert sorted(practitioner.windows.values_list("weekday", flat=True)) == [0, 2, 4]
    assert practitioners_bookable().filter(pk=practitioner.pk).exists()
    assert slot is not None and slot.location_id == args["location"].pk


@pytest.mark.parametrize(
    "overrides",
    [
        {"weekdays": []},
        {"weekdays": [7]},
        {"start_time": time(13, 0), "end_time": time(10, 0)},
        {"service_minutes": 240},
        {"offers_in_person": False, "offers_video": False},
        {"years_experience": 90},
        {"location": LocationFactory.build(is_active=False)},
    ],
    ids=["no-day", "bad-day", "backwards", "too-long", "no-mode", "experience", "closed"],
)
def test_create_refuses_invalid_input_and_writes_nothing(overrides):
    if "location" in overrides:
        overrides["location"].save()
    with pytest.raises(InvalidInput):
        practitioner_create_by_staff(by=StaffFactory(), **create_args(**overrides))

    assert not User.objects.filter(email__iexact="asha.rao@example.test").exists()
    assert not Practitioner.objects.exists()


def test_create_refuses_an_email_in_use_whatever_its_case():
    UserFactory(email="asha.rao@example.test")

    with pytest.raises(InvalidInput):
        practitioner_create_by_staff(by=StaffFactory(), **create_args())

    assert not Practitioner.objects.exists()


def test_only_staff_create_practitioners():
    with pytest.raises(PermissionDenied):
        practitioner_create_by_staff(by=PatientFactory(), **create_args())

    assert not Practitioner.objects.exists()
