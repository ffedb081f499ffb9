from datetime import time

import factory

from carebook.clinic.tests.factories import LocationFactory, PractitionerFactory
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff


class WindowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityWindow

    practitioner = factory.SubFactory(PractitionerFactory)
    location = factory.SubFactory(LocationFactory)
    weekday = 0
    start_time = time(9, 0)
    end_time = time(13, 0)


class RulesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BookingRules
        django_get_or_create = ("practitioner",)

    practitioner = factory.SubFactory(PractitionerFactory)
    slot_step_minutes = 30
    min_notice_minutes = 0
    max_days_ahead = 60
    cancellation_cutoff_hours = 24
    auto_confirm = False


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeOff

    practitioner = factory.SubFactory(PractitionerFactory)
