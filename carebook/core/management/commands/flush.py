"""`flush`, able to empty the append-only logs (tests flush between transactional tests).

The clinical access log's and the security log's triggers refuse a bare DELETE (SQLite's flush)
or TRUNCATE (PostgreSQL's), so each log is emptied first through a purge window, in the same
transaction.
"""

from django.core.management.commands import flush
from django.db import connections, transaction

from carebook.core.access_log import AccessLog, access_log_empty
from carebook.core.security_log import SecurityEvent, security_log_empty

PROMPT = """You have requested a flush of the database.
This will IRREVERSIBLY DESTROY all data currently in the "%s" database,
and return each table to an empty state.
Are you sure you want to do this?

    Type 'yes' to continue, or 'no' to cancel: """


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        if options["interactive"]:
            if input(PROMPT % connections[database].settings_dict["NAME"]) != "yes":
                self.stdout.write("Flush cancelled.")
                return
        connection = connections[database]
        with transaction.atomic(using=database):
            tables = connection.introspection.table_names()
            if AccessLog._meta.db_table in tables:
                access_log_empty(ran_by="flush", using=database)
            if SecurityEvent._meta.db_table in tables:
                security_log_empty(ran_by="flush", using=database)
            super().handle(**{**options, "interactive": False})
