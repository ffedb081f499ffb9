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
    # The seeds' billing configuration (docs/billing.md): a ₹50 booking charge and 18% GST on
    # it and on the fee. The models' own defaults follow the law (the consultation exempt).
    gst_state = "29"
    service_charge = Decimal("50.00")


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
    tax_category = "taxable"
    tax_rate = Decimal("18.00")
