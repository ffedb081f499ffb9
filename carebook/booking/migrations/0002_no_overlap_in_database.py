"""The database itself refuses overlapping active appointments (held, requested, confirmed).

PostgreSQL: exclusion constraints on tstzrange with btree_gist, one per practitioner (on the
hold, which includes buffers) and one per patient (on the visit). SQLite: triggers that abort
the same inserts and updates; IMMEDIATE transactions already serialise writers there.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

ACTIVE = "('held', 'requested', 'confirmed')"

POSTGRES_UP = [
    f"""ALTER TABLE booking_appointment ADD CONSTRAINT appt_no_practitioner_overlap
        EXCLUDE USING gist (practitioner_id WITH =, tstzrange(hold_start, hold_end, '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
    f"""ALTER TABLE booking_appointment ADD CONSTRAINT appt_no_patient_overlap
        EXCLUDE USING gist (patient_id WITH =, tstzrange(start, "end", '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
]
POSTGRES_DOWN = [
    "ALTER TABLE booking_appointment DROP CONSTRAINT IF EXISTS appt_no_practitioner_overlap",
    "ALTER TABLE booking_appointment DROP CONSTRAINT IF EXISTS appt_no_patient_overlap",
]


def _sqlite_trigger(name: str, event: str) -> str:
    return f"""CREATE TRIGGER {name} BEFORE {event} ON booking_appointment
    WHEN NEW.status IN {ACTIVE}
    BEGIN
        SELECT RAISE(ABORT, 'appt_no_overlap: overlapping active appointment')
        WHERE EXISTS (
            SELECT 1 FROM booking_appointment o
            WHERE o.id IS NOT NEW.id AND o.status IN {ACTIVE}
              AND ((o.practitioner_id = NEW.practitioner_id
                    AND o.hold_start < NEW.hold_end AND o.hold_end > NEW.hold_start)
                OR (o.patient_id = NEW.patient_id
                    AND o.start < NEW."end" AND o."end" > NEW.start))
        );
    END"""


SQLITE_UP = [
    _sqlite_trigger("appt_no_overlap_insert", "INSERT"),
    _sqlite_trigger(
        "appt_no_overlap_update",
        'UPDATE OF status, start, "end", hold_start, hold_end, practitioner_id, patient_id',
    ),
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS appt_no_overlap_insert",
    "DROP TRIGGER IF EXISTS appt_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
