from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "carebook.records"
    label = "records"
    verbose_name = "Records"
