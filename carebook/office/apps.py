from django.apps import AppConfig


class OfficeConfig(AppConfig):
    name = "carebook.office"
    label = "office"
    verbose_name = "Office"
