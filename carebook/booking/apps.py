from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "carebook.booking"
    label = "booking"
    verbose_name = "Booking"
