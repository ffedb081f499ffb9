import pytest
from django.contrib.auth.models import AnonymousUser

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.booking.models import Appointment
from carebook.core.querysets import filter_given, visible_by_role

pytestmark = pytest.mark.django_db


def sql(qs) -> str:
    return str(qs.query)


def test_filter_given_skips_the_lookups_left_empty():
    qs = User.objects.all()
    assert filter_given(qs, email="", full_name=None) is qs
    assert sql(filter_given(qs, email="a@example.test", full_name="")) == sql(
        qs.filter(email="a@example.test")
    )


def test_visible_by_role_filters_each_role_to_its_own_rows():
    qs = Appointment.objects.all()
    patient = PatientFactory()
    practitioner = UserFactory(role=User.Role.PRACTITIONER)
    assert sql(visible_by_role(qs, StaffFactory())) == sql(qs)
    assert sql(visible_by_role(qs, patient)) == sql(qs.filter(patient=patient))
    assert sql(visible_by_role(qs, practitioner)) == sql(qs.filter(practitioner__user=practitioner))


def test_visible_by_role_shows_nothing_to_the_anonymous_or_inactive():
    qs = Appointment.objects.all()
    assert not visible_by_role(qs, AnonymousUser()).exists()
    suspended = StaffFactory(state=User.State.SUSPENDED, is_active=False)
    assert not visible_by_role(qs, suspended).exists()
