from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "carebook.billing"
    label = "billing"
    verbose_name = "Billing"
