from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "carebook.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self):
        from carebook.core import events
        from carebook.webhooks import services

        events.subscribe(events.APPOINTMENT_CHANGED, services.on_appointment_changed)
        events.subscribe(events.INVOICE_ISSUED, services.on_invoice_issued)
        events.subscribe(events.PAYMENT_CAPTURED, services.on_payment_captured)
        events.subscribe(events.CREDIT_NOTE_ISSUED, services.on_credit_note_issued)
        events.subscribe(events.PAYMENT_REFUNDED, services.on_payment_refunded)
