from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "carebook.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self):
        from carebook.billing import services
        from carebook.core import events

        events.subscribe(events.APPOINTMENT_CHANGED, services.settle_after_change)
