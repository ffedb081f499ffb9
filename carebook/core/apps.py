from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    name = "carebook.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from carebook.core.db import sqlite_functions

        connection_created.connect(sqlite_functions)
