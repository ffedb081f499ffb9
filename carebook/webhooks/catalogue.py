"""The events an endpoint may subscribe to, and what each one's `data` holds (docs/api.md)."""

from django.utils.translation import gettext_lazy as _

EVENT_TYPES = {
    "appointment.created": _("An appointment was booked (requested, or confirmed at once)"),
    "appointment.confirmed": _("A requested appointment was confirmed"),
    "appointment.rejected": _("A requested appointment was rejected"),
    "appointment.cancelled": _("An appointment was cancelled"),
    "appointment.rescheduled": _("An appointment was moved (the new one; it names the old)"),
    "appointment.completed": _("A visit was marked completed"),
    "appointment.no_show": _("A patient did not come"),
    "appointment.expired": _("A request nobody decided in time expired"),
    "invoice.issued": _("An invoice was issued"),
    "payment.captured": _("A payment was taken (online or at the counter)"),
    "credit_note.issued": _("A credit note was issued (a refund, or a settled visit)"),
    "payment.refunded": _("The gateway sent money back for a credit note"),
}

# AppointmentHistory.action → event. A hold, its expiry, the cancelled half of a move and the
# day's marks (arrived, in consultation) are not events: the move is sent as its new half.
APPOINTMENT_ACTIONS = {
    "booked": "appointment.created",
    "confirm": "appointment.confirmed",
    "reject": "appointment.rejected",
    "cancel": "appointment.cancelled",
    "rescheduled": "appointment.rescheduled",
    "complete": "appointment.completed",
    "no_show": "appointment.no_show",
    "expired": "appointment.expired",
}


def event_choices() -> list[tuple[str, str]]:
    return [(name, f"{name} — {label}") for name, label in EVENT_TYPES.items()]
