"""Optimistic concurrency: a change made against a version that is no longer the current one."""

from django.utils.translation import gettext_lazy as _

from carebook.booking.models import Appointment
from carebook.core.errors import DomainError


class AppointmentChanged(DomainError):
    """The caller acted on a version of the appointment that is no longer the current one."""

    code = "precondition_failed"
    default_message = _("This appointment has changed since you read it. Read it again and retry.")


def ensure_version(appointment: Appointment, expected_version: int | None) -> None:
    """Refuse a change made against an older version (call it with the row locked)."""
    if expected_version is not None and appointment.version != expected_version:
        raise AppointmentChanged()
