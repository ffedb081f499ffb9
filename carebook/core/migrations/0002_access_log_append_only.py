"""The database refuses UPDATE and DELETE on the clinical access log.

A row may be deleted only while a purge is running (an `AccessLogPurge` row without
`finished_at` whose cutoff is later than the row's `at`): `manage.py purge_access_log` opens
and closes that window in one transaction.

On SQLite, a later migration that alters core_accesslog rebuilds the table and loses these
triggers: such a migration must create them again (call `create_triggers`).
"""

from django.db import migrations

POSTGRESQL = [
    (
        """
        CREATE FUNCTION core_accesslog_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND EXISTS (
                SELECT 1 FROM core_accesslogpurge p
                WHERE p.finished_at IS NULL AND p.cutoff > OLD.at
            ) THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'The clinical access log is append-only: % refused.', TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END;
        $$
        """,
        "DROP FUNCTION core_accesslog_append_only()",
    ),
    (
        """
        CREATE TRIGGER core_accesslog_append_only BEFORE UPDATE OR DELETE ON core_accesslog
        FOR EACH ROW EXECUTE FUNCTION core_accesslog_append_only()
        """,
        "DROP TRIGGER core_accesslog_append_only ON core_accesslog",
    ),
    # TRUNCATE skips row triggers: allowed only when every row lies inside an open purge window
    # (flush opens one and deletes the rows first).
    (
        """
        CREATE FUNCTION core_accesslog_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (
                SELECT 1 FROM core_accesslog l WHERE NOT EXISTS (
                    SELECT 1 FROM core_accesslogpurge p
                    WHERE p.finished_at IS NULL AND p.cutoff > l.at
                )
            ) THEN
                RAISE EXCEPTION 'The clinical access log is append-only: TRUNCATE refused.'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NULL;
        END;
        $$
        """,
        "DROP FUNCTION core_accesslog_no_truncate()",
    ),
    (
        """
        CREATE TRIGGER core_accesslog_no_truncate BEFORE TRUNCATE ON core_accesslog
        FOR EACH STATEMENT EXECUTE FUNCTION core_accesslog_no_truncate()
        """,
        "DROP TRIGGER core_accesslog_no_truncate ON core_accesslog",
    ),
]

SQLITE = [
    (
        """
        CREATE TRIGGER core_accesslog_no_update BEFORE UPDATE ON core_accesslog
        BEGIN
            SELECT RAISE(ABORT, 'The clinical access log is append-only: UPDATE refused.');
        END
        """,
        "DROP TRIGGER core_accesslog_no_update",
    ),
    (
        """
        CREATE TRIGGER core_accesslog_no_delete BEFORE DELETE ON core_accesslog
        WHEN NOT EXISTS (
            SELECT 1 FROM core_accesslogpurge p
            WHERE p.finished_at IS NULL AND p.cutoff > OLD.at
        )
        BEGIN
            SELECT RAISE(ABORT, 'The clinical access log is append-only: DELETE refused.');
        END
        """,
        "DROP TRIGGER core_accesslog_no_delete",
    ),
]

STATEMENTS = {"postgresql": POSTGRESQL, "sqlite": SQLITE}


def create_triggers(apps, schema_editor):
    for create, _drop in STATEMENTS.get(schema_editor.connection.vendor, []):
        schema_editor.execute(create, params=None)


def drop_triggers(apps, schema_editor):
    for _create, drop in reversed(STATEMENTS.get(schema_editor.connection.vendor, [])):
        schema_editor.execute(drop, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_access_log")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
