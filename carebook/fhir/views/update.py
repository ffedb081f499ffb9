"""What an Appointment sent back asks to change, carried out through the booking services.

Supported: a new status (cancelled, fulfilled, noshow; booked for a hold), the practitioner's
answer to a request (their participation accepted or declined), and a new start (a reschedule:
the appointment is cancelled and a new one booked, linked). Elements and participants left out
are kept. Any other difference is refused with 422, never accepted and dropped.
"""

from datetime import datetime, timedelta

from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_book_held,
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_mark_no_show,
    appointment_reject,
    appointment_reschedule,
)
from carebook.fhir.responses import FhirError

# Shown by the server, never set by a client: left out of the comparison.
DERIVED = {"resourceType", "id", "meta", "text", "created", "minutesDuration", "slot"}
STATUS_ACTIONS = {
    "cancelled": appointment_cancel,
    "fulfilled": appointment_complete,
    "noshow": appointment_mark_no_show,
}


def refuse(text: str, element: str) -> FhirError:
    return FhirError(422, "business-rule", text, [f"Appointment.{element}"])


def _instant(value: str, element: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError) as exc:
        raise FhirError(400, "invalid", f"{element} is not a dateTime.", [element]) from exc
    if moment.tzinfo is None:
        raise FhirError(400, "invalid", f"{element} needs a time zone.", [element])
    return moment


def _plain(value):
    """`value` without display texts, which the server writes."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "display"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _participants(resource: dict) -> dict[str, str]:
    """Each participant's status by actor reference."""
    return {
        (p.get("actor") or {}).get("reference", ""): p.get("status", "")
        for p in resource.get("participant") or []
    }


def _new_start(current: dict, wanted: dict) -> datetime | None:
    old_start = _instant(current["start"], "start")
    start = _instant(wanted["start"], "start") if "start" in wanted else old_start
    length = _instant(current["end"], "end") - old_start
    if "end" in wanted and _instant(wanted["end"], "end") - start != length:
        raise refuse(
            "The length of a visit is its service's; to change it, book another service.", "end"
        )
    if "minutesDuration" in wanted and timedelta(minutes=wanted["minutesDuration"]) != length:
        raise refuse("minutesDuration is the service's length.", "minutesDuration")
    return None if start == old_start else start


def appointment_change(
    *, appointment: Appointment, current: dict, wanted: dict, by: User
) -> Appointment:
    """Carry out the one change `wanted` asks of `current` (both FHIR JSON); the appointment
    that results (a new one after a reschedule). Nothing asked: `appointment` itself."""
    theirs, ours = _participants(wanted), _participants(current)
    if not set(theirs) <= set(ours):
        raise refuse("The participants cannot be changed.", "participant")
    status = wanted.get("status", current["status"])
    # Participation follows the status, except the practitioner's answer to a request.
    practitioner = next(r for r in ours if r.startswith("Practitioner/"))
    answer = theirs.get(practitioner, ours[practitioner])
    if status != current["status"]:
        answer = ours[practitioner]
    elif ours[practitioner] != "needs-action" or answer == "needs-action":
        if answer == "declined" != ours[practitioner]:
            raise refuse("To call it off, set the status to cancelled.", "participant.status")
        answer = ours[practitioner]
    with_reason = status == "cancelled" or answer == "declined"
    for element in sorted(set(wanted) - DERIVED - {"status", "start", "end", "participant"}):
        if element == "cancelationReason" and with_reason:
            continue
        if _plain(wanted[element]) != _plain(current.get(element)):
            raise refuse(f"{element} cannot be changed here.", element)
    start = _new_start(current, wanted)
    asked = [
        change
        for change, is_asked in (
            ("status", status != current["status"]),
            ("start", start is not None),
            ("participant", answer != ours[practitioner]),
        )
        if is_asked
    ]
    if len(asked) > 1:
        raise refuse("Change one thing at a time: the status, the start or the answer.", asked[1])
    if not asked:
        return appointment
    if start is not None:
        return appointment_reschedule(appointment=appointment, start=start, by=by)
    if asked == ["participant"]:
        if answer == "accepted":
            return appointment_confirm(appointment=appointment, by=by)
        if answer == "declined":
            reason = (wanted.get("cancelationReason") or {}).get("text", "")
            return appointment_reject(appointment=appointment, by=by, reason=reason)
        raise refuse("The practitioner can accept or decline.", "participant.status")
    if status == "booked" and current["status"] == "pending":
        return appointment_book_held(appointment=appointment, by=by)
    if status == "cancelled":
        reason = (wanted.get("cancelationReason") or {}).get("text", "")
        return appointment_cancel(appointment=appointment, by=by, reason=reason or "")
    action = STATUS_ACTIONS.get(status)
    if action is None:
        raise refuse(
            f"The status cannot be changed from {current['status']} to {status}.", "status"
        )
    return action(appointment=appointment, by=by)
