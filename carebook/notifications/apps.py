from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "carebook.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from carebook.core import events
        from carebook.notifications import services

        events.subscribe(events.APPOINTMENT_CHANGED, services.notify_appointment_event)
