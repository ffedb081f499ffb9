"""What one appointment counts as in the reports: kept or not, who cancelled it and how late,
how far ahead it was booked and how long its request waited for an answer.

Pure functions over an appointment's values and its history rows: the rollup adds them up.
"""

from dataclasses import dataclass
from datetime import datetime

from carebook.booking.models import Appointment

S = Appointment.Status
# The statuses a report counts (a hold is a few minutes of a payment in progress, not a visit).
STATUSES = [S.REQUESTED, S.CONFIRMED, S.COMPLETED, S.CANCELLED, S.REJECTED, S.NO_SHOW, S.EXPIRED]
# Visits that were kept on the diary: seen, or booked and missed.
KEPT = [S.CONFIRMED, S.COMPLETED, S.NO_SHOW]
DECISIONS = [S.CONFIRMED, S.REJECTED]  # a request's answers
CANCELLERS = {
    "patient": "Patient",
    "practitioner": "Practitioner",
    "clinic": "Clinic staff",
    "system": "carebook (automatic)",
    "moved": "Moved to another time",
}
# Upper bounds (seconds, exclusive) of the waiting-time bands, and their names.
LEAD_BANDS = [
    (86400, "same day or next"),
    (3 * 86400, "2–3 days"),
    (7 * 86400, "4–7 days"),
    (14 * 86400, "8–14 days"),
    (30 * 86400, "15–30 days"),
    (None, "over 30 days"),
]
DECISION_BANDS = [
    (3600, "within an hour"),
    (4 * 3600, "1–4 hours"),
    (86400, "4–24 hours"),
    (3 * 86400, "1–3 days"),
    (None, "over 3 days"),
]


def band(seconds: int, bands) -> int:
    """The index of the band `seconds` falls in."""
    return next(i for i, (bound, _) in enumerate(bands) if bound is None or seconds < bound)


def seconds_between(earlier: datetime, later: datetime) -> int:
    return int((later - earlier).total_seconds() // 1)


@dataclass(frozen=True)
class Cancel:
    """The history row that cancelled a visit: by whom (None: carebook itself), when, how."""

    by_id: int | None
    by_role: str | None
    action: str
    at: datetime


def canceller(cancel: Cancel, *, patient_id: int, practitioner_user_id: int) -> str:
    """Who cancelled (a CANCELLERS key); a reschedule is a move, not a lost visit."""
    if cancel.action == "reschedule":
        return "moved"
    if cancel.by_id is None:
        return "system"
    if cancel.by_role == "staff":
        return "clinic"
    if cancel.by_id == practitioner_user_id:
        return "practitioner"
    if cancel.by_id == patient_id:
        return "patient"
    return "clinic"


def is_late(cancel: Cancel, *, start: datetime, cutoff_hours: int) -> bool:
    """Cancelled inside the practitioner's cancellation cut-off."""
    return seconds_between(cancel.at, start) < cutoff_hours * 3600
