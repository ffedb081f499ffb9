from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "carebook.demo"
    label = "demo"
    verbose_name = "Demo clinic"
