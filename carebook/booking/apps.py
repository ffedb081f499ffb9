from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "carebook.booking"
    label = "booking"
    verbose_name = "Booking"

    def ready(self):
        from carebook.booking import signals
        from carebook.core import events

        signals.connect()
        events.subscribe(events.APPOINTMENT_CHANGED, signals.appointment_changed)
