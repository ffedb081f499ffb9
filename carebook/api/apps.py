from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "carebook.api"
    label = "api"
    verbose_name = "Api"
