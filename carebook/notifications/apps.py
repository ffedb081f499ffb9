from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "carebook.notifications"
    label = "notifications"
    verbose_name = "Notifications"
