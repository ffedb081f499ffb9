"""The history row every appointment change writes, and the event that follows it."""

from carebook.accounts.models import User
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.core.events import APPOINTMENT_CHANGED, emit


def history_record(
    appointment: Appointment, *, by: User | None, action: str, from_status: str, reason: str = ""
) -> None:
    history = AppointmentHistory.objects.create(
        appointment=appointment,
        by=by,
        action=action,
        from_status=from_status,
        to_status=appointment.status,
        reason=reason,
    )
    # Handlers (messages, money) enqueue their tasks in this transaction: no change, no task.
    emit(APPOINTMENT_CHANGED, history=history)
