from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "carebook.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from carebook.core import events
        from carebook.reports import tasks

        events.subscribe(events.APPOINTMENT_CHANGED, tasks.appointment_changed)
        events.subscribe(events.INVOICE_ISSUED, tasks.invoice_issued)
        events.subscribe(events.PAYMENT_CAPTURED, tasks.payment_captured)
        events.subscribe(events.CREDIT_NOTE_ISSUED, tasks.credited)
        events.subscribe(events.PAYMENT_REFUNDED, tasks.credited)
