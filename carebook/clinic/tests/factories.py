from decimal import Decimal

import factory
from django.utils import timezone

from carebook.accounts.models import User
from carebook.accounts.tests.factories import UserFactory
from carebook.clinic.models import Location, Practitioner, Service, Specialty


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Specialty {n}")
    slug = factory.Sequence(lambda n: f"specialty-{n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Clinic {n}")
    address = "1 MG Road"
    city = "Bengaluru"
    time_zone = "Asia/Kolkata"


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner

    user = factory.SubFactory(UserFactory, role=User.Role.PRACTITIONER)
    title = "Dr."
    consultation_fee = Decimal("500.00")
    verified_at = factory.LazyFunction(timezone.now)
    offers_in_person = True
    offers_video = True


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    practitioner = factory.SubFactory(PractitionerFactory)
    name = "Consultation"
    duration_minutes = 30
