from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "carebook.clinic"
    label = "clinic"
    verbose_name = "Clinic"
