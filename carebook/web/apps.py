from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "carebook.web"
    label = "web"
    verbose_name = "Public pages"
