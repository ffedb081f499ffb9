"""The reports' background work: keeping the visits rollup current."""

from django_tasks import task

from carebook.booking.models import AppointmentHistory
from carebook.core.tasks import retried
from carebook.reports.measures import STATUSES
from carebook.reports.rollup import rollup_refresh_of

COUNTED = {str(s) for s in STATUSES}


def appointment_changed(*, history: AppointmentHistory) -> None:
    """An appointment changed: have its day recomputed (the task commits with the change)."""
    if history.to_status in COUNTED or history.from_status in COUNTED:
        rollup_refresh_visit.enqueue(appointment_id=history.appointment_id)


@task()
@retried
def rollup_refresh_visit(appointment_id: int, attempt: int = 1) -> str:
    """Recompute the rollup day of this appointment (safe to run again, in any order)."""
    return f"{rollup_refresh_of(appointment_id)} rows"
