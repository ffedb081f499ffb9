from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "carebook.booking"
    label = "booking"
    verbose_name = "Booking"

    def ready(self):
        from carebook.booking import signals, tasks
        from carebook.core import events, periodic

        signals.connect()
        events.subscribe(events.APPOINTMENT_CHANGED, signals.appointment_changed)
        periodic.register(tasks.ensure_sweep_scheduled)
        periodic.register(tasks.ensure_expiry_scheduled)
