"""The history row every appointment change writes, and the event that follows it."""

from django.db.models import F

from carebook.accounts.models import User
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.core.events import APPOINTMENT_CHANGED, emit
from carebook.core.rows import row_insert


def history_record(
    appointment: Appointment, *, by: User | None, action: str, from_status: str, reason: str = ""
) -> None:
    """Record a change of `appointment` (already saved) and count it in its version.

    The creation row (`from_status` empty) leaves the version at 1; every later row adds one.
    """
    if from_status:
        Appointment.objects.filter(pk=appointment.pk).update(version=F("version") + 1)
        appointment.version += 1
    history = AppointmentHistory(
        appointment=appointment,
        by=by,
        action=action,
        from_status=from_status,
        to_status=appointment.status,
        reason=reason,
    )
    row_insert(history)
    # Handlers (messages, money) enqueue their tasks in this transaction: no change, no task.
    emit(APPOINTMENT_CHANGED, history=history)
