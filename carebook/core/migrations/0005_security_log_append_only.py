"""The database refuses UPDATE and DELETE on the security log.

A row may be deleted only while a purge is running (a `SecurityLogPurge` row without
`finished_at` whose cutoff is later than the row's `at`): `manage.py purge_security_log` opens
and closes that window in one transaction. The same approach as the clinical access log's
(core 0002).

On SQLite, a later migration that alters core_securityevent rebuilds the table and loses these
triggers: such a migration must create them again (call `create_triggers`).
"""

from django.db import migrations

POSTGRESQL = [
    (
        """
        CREATE FUNCTION core_securityevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND EXISTS (
                SELECT 1 FROM core_securitylogpurge p
                WHERE p.finished_at IS NULL AND p.cutoff > OLD.at
            ) THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'The security log is append-only: % refused.', TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END;
        $$
        """,
        "DROP FUNCTION core_securityevent_append_only()",
    ),
    (
        """
        CREATE TRIGGER core_securityevent_append_only
        BEFORE UPDATE OR DELETE ON core_securityevent
        FOR EACH ROW EXECUTE FUNCTION core_securityevent_append_only()
        """,
        "DROP TRIGGER core_securityevent_append_only ON core_securityevent",
    ),
    # TRUNCATE skips row triggers: allowed only when every row lies inside an open purge window
    # (flush opens one and deletes the rows first).
    (
        """
        CREATE FUNCTION core_securityevent_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (
                SELECT 1 FROM core_securityevent e WHERE NOT EXISTS (
                    SELECT 1 FROM core_securitylogpurge p
                    WHERE p.finished_at IS NULL AND p.cutoff > e.at
                )
            ) THEN
                RAISE EXCEPTION 'The security log is append-only: TRUNCATE refused.'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NULL;
        END;
        $$
        """,
        "DROP FUNCTION core_securityevent_no_truncate()",
    ),
    (
        """
        CREATE TRIGGER core_securityevent_no_truncate BEFORE TRUNCATE ON core_securityevent
        FOR EACH STATEMENT EXECUTE FUNCTION core_securityevent_no_truncate()
        """,
        "DROP TRIGGER core_securityevent_no_truncate ON core_securityevent",
    ),
]

SQLITE = [
    (
        """
        CREATE TRIGGER core_securityevent_no_update BEFORE UPDATE ON core_securityevent
        BEGIN
            SELECT RAISE(ABORT, 'The security log is append-only: UPDATE refused.');
        END
        """,
        "DROP TRIGGER core_securityevent_no_update",
    ),
    (
        """
        CREATE TRIGGER core_securityevent_no_delete BEFORE DELETE ON core_securityevent
        WHEN NOT EXISTS (
            SELECT 1 FROM core_securitylogpurge p
            WHERE p.finished_at IS NULL AND p.cutoff > OLD.at
        )
        BEGIN
            SELECT RAISE(ABORT, 'The security log is append-only: DELETE refused.');
        END
        """,
        "DROP TRIGGER core_securityevent_no_delete",
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
    dependencies = [("core", "0004_security_log")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
