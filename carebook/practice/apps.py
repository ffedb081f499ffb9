from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "carebook.practice"
    label = "practice"
    verbose_name = "Practice"
