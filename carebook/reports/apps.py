from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "carebook.reports"
    label = "reports"
    verbose_name = "Reports"
