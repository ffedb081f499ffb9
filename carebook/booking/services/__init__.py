"""Writes on appointments. Each is one transaction: lock, check, write, record history."""

from carebook.booking.services.arrival import (
    appointment_check_in,
    appointment_consultation_start,
    arrival_refusal,
)
from carebook.booking.services.book import (
    appointment_book,
    appointment_book_held,
    appointment_hold,
    book_slot,
    hold_convert,
    hold_duration,
    hold_release,
)
from carebook.booking.services.expiry import holds_expire, requests_expire
from carebook.booking.services.history import history_record
from carebook.booking.services.transitions import (
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_mark_no_show,
    appointment_reject,
    appointment_reschedule,
)
from carebook.booking.services.version import AppointmentChanged, ensure_version

__all__ = [
    "AppointmentChanged",
    "appointment_check_in",
    "appointment_consultation_start",
    "arrival_refusal",
    "appointment_book",
    "appointment_book_held",
    "appointment_cancel",
    "appointment_complete",
    "appointment_confirm",
    "appointment_hold",
    "appointment_mark_no_show",
    "appointment_reject",
    "appointment_reschedule",
    "book_slot",
    "ensure_version",
    "history_record",
    "holds_expire",
    "requests_expire",
    "hold_convert",
    "hold_duration",
    "hold_release",
]
