from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "carebook.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from carebook.core import events
        from carebook.reports import tasks

        events.subscribe(events.APPOINTMENT_CHANGED, tasks.appointment_changed)
