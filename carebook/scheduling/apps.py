from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "carebook.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"
