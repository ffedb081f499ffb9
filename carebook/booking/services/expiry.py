"""Nothing waits forever: holds past their time and requests nobody decided in time end.

Run by the periodic task `booking.tasks.expire_due`; each appointment ends in its own short
transaction with its history row, so its messages and money follow through the appointment
event like any other change.
"""

from datetime import datetime, timedelta

from carebook.booking.models import Appointment
from carebook.booking.services.history import history_record
from carebook.clinic.models import Clinic
from carebook.core.transactions import atomic_write

S = Appointment.Status
BATCH = 200


@atomic_write
def _end(pk: int, *, status_now: str, to: str, action: str, reason: str, still_due) -> bool:
    appointment = (
        Appointment.objects.select_for_update(of=("self",)).filter(pk=pk, status=status_now).first()
    )
    if appointment is None or not still_due(appointment):
        return False  # decided, paid or moved meanwhile
    appointment.status = to
    appointment.save(update_fields=["status", "updated_at"])
    history_record(appointment, by=None, action=action, from_status=status_now, reason=reason)
    return True


def holds_expire(*, now: datetime, limit: int = BATCH) -> int:
    """Release holds whose time ran out (their holder sees them cancelled); how many."""
    due = Appointment.objects.filter(status=S.HELD, held_until__lte=now).order_by("held_until")
    return sum(
        _end(
            pk,
            status_now=S.HELD,
            to=S.CANCELLED,
            action="hold_expired",
            reason="The hold ran out before the booking was completed.",
            still_due=lambda a: a.held_until <= now,
        )
        for pk in due.values_list("pk", flat=True)[:limit]
    )


def requests_expire(*, now: datetime, limit: int = BATCH) -> int:
    """Expire requests still undecided the clinic's policy hours before the visit; how many."""
    hours = timedelta(hours=Clinic.current().request_expiry_hours)
    due = Appointment.objects.filter(status=S.REQUESTED, start__lte=now + hours).order_by("start")
    return sum(
        _end(
            pk,
            status_now=S.REQUESTED,
            to=S.EXPIRED,
            action="expired",
            reason="Nobody confirmed or rejected the request in time.",
            still_due=lambda a: a.start - hours <= now,
        )
        for pk in due.values_list("pk", flat=True)[:limit]
    )
