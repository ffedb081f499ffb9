"""The chaos suite's two Django-side steps, run as subprocesses against the database under test.

`seed`: a small clinic (practitioners working every day, patients with API tokens), written to
a JSON file for the load clients. `check`: the database's account of the run, as JSON: the
acknowledged bookings found, overlaps, and the state of every email.
"""

import json
import os
import sys
from datetime import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carebook.settings")
    import django

    django.setup()


def seed(out: Path, practitioners: int, patients: int) -> None:
    from carebook.accounts.tests.factories import PatientFactory
    from carebook.accounts.tokens import token_create
    from carebook.booking.tests.factories import bookable_calendar
    from carebook.clinic.models import Clinic
    from carebook.core.timeutils import now as utcnow

    clinic = Clinic.current()
    clinic.payment_at_booking = False
    clinic.save()
    cals = [
        bookable_calendar(
            time_zone="Asia/Kolkata",
            start=time(8),
            end=time(20),
            duration=15,
            step=15,
            auto_confirm=True,
        )
        for _ in range(practitioners)
    ]
    people = []
    for _ in range(patients):
        patient = PatientFactory()
        patient.email_verified_at = utcnow()
        patient.save(update_fields=["email_verified_at"])
        people.append({"id": patient.pk, "token": token_create(user=patient, name="chaos")[1]})
    out.write_text(
        json.dumps(
            {
                "calendars": [
                    {
                        "practitioner_id": c.practitioner.pk,
                        "service_id": c.service.pk,
                        "location_id": c.location.pk,
                    }
                    for c in cals
                ],
                "patients": people,
            }
        )
    )


# Periodic chains always have a run waiting; they do not count as work left.
PERIODIC = [
    "carebook.booking.tasks.expire_due",
    "carebook.booking.tasks.next_free_sweep",
    "carebook.notifications.tasks.reap_stuck_tasks",
]


def check(acknowledged: Path) -> dict:
    from django.db import connection
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult

    from carebook.booking.models import Appointment
    from carebook.core.timeutils import now as utcnow
    from carebook.notifications.models import Delivery
    from carebook.notifications.tasks import _message_id

    acked = json.loads(acknowledged.read_text())
    found = dict(
        Appointment.objects.filter(pk__in=[a["id"] for a in acked]).values_list("pk", "status")
    )
    missing = [a for a in acked if a["id"] not in found]
    wrong = [a for a in acked if a["id"] in found and found[a["id"]] != "confirmed"]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM booking_appointment a JOIN booking_appointment b
              ON a.practitioner_id = b.practitioner_id AND a.id < b.id
             AND a.hold_start < b.hold_end AND b.hold_start < a.hold_end
             WHERE a.status IN ('held', 'requested', 'confirmed')
               AND b.status IN ('held', 'requested', 'confirmed')
            """
        )
        overlaps = cursor.fetchone()[0]
    emails = Delivery.objects.filter(channel="email")
    due = DBTaskResult.objects.filter(
        Q(status="RUNNING")
        | Q(status="READY", run_after__isnull=True)
        | Q(status="READY", run_after__lte=utcnow())
    ).exclude(task_path__in=PERIODIC)
    return {
        "tasks_due": due.count(),
        "appointments": Appointment.objects.count(),
        "acknowledged": len(acked),
        "acknowledged_missing": len(missing),
        "acknowledged_not_confirmed": len(wrong),
        "overlaps": overlaps,
        "emails": emails.count(),
        # A reminder that falls due during the run is an email too; the bookings' own are these.
        "booking_emails": emails.filter(event="booked").count(),
        "emails_by_status": {
            s: emails.filter(status=s).count() for s in ("queued", "sent", "failed")
        },
        "message_ids": [_message_id(d) for d in emails.filter(status="sent")],
    }


if __name__ == "__main__":
    setup()
    command = sys.argv[1]
    if command == "seed":
        seed(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif command == "check":
        print(json.dumps(check(Path(sys.argv[2]))))
