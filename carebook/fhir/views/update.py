"""What an Appointment sent back asks to change, carried out through the booking services.

Supported: a new status (cancelled, fulfilled, noshow; booked for a hold), the practitioner's
answer to a request (their participation accepted or declined), and a new start (a reschedule:
the appointment is cancelled and a new one booked, linked). Elements left out are kept; the
participants sent are each compared in full. Any other difference is refused with 422, never
accepted and dropped. If-Match is checked by the booking service, under the row's lock.
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
    ensure_version,
)
from carebook.fhir.resources import SlotKey
from carebook.fhir.responses import FhirError

# Shown by the server, never set by a client: left out of the comparison.
DERIVED = {"resourceType", "id", "meta", "text", "created", "minutesDuration"}
# Compared on their own below.
CHANGEABLE = {"status", "start", "end", "participant", "slot"}
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


def _actor(participant: dict) -> str:
    return ((participant.get("actor") or {}).get("reference")) or ""


def _practitioner_answer(current: dict, wanted: dict, status: str) -> str:
    """The practitioner's participation `wanted` shows; 422 for a change to any other part of
    the participants (each is sent as read, all of them, none added)."""
    ours = {_actor(p): _plain(p) for p in current["participant"]}
    practitioner = next(r for r in ours if r.startswith("Practitioner/"))
    if "participant" not in wanted:
        return ours[practitioner]["status"]
    sent = wanted["participant"] or []
    theirs = {_actor(p): _plain(p) for p in sent}
    if len(theirs) != len(sent) or set(theirs) != set(ours):
        raise refuse("The participants cannot be added or removed.", "participant")
    for actor, mine in ours.items():
        asked = dict(theirs[actor])
        # The practitioner answers through their status; on a cancellation the others' statuses
        # may read either way (as read, or declined as the result will show).
        if actor == practitioner or (
            status == "cancelled" and asked.get("status") in ("accepted", "declined")
        ):
            asked["status"] = mine["status"]
        if asked != mine:
            raise refuse(f"The participant {actor} cannot be changed.", "participant")
    return theirs[practitioner].get("status", ours[practitioner]["status"])


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


def _check_slot(appointment: Appointment, current: dict, wanted: dict, start) -> None:
    """422 unless `wanted` names the current slot (or, on a move, the slot at the new start)."""
    if "slot" not in wanted:
        return
    slots = [_plain(current["slot"])]
    if start is not None:
        key = SlotKey(
            appointment.practitioner_id, appointment.location_id, appointment.service_id, start
        )
        slots.append([{"reference": f"Slot/{key.id}"}])
    if _plain(wanted["slot"]) not in slots:
        raise refuse("The slot follows the start: to move the visit, change its start.", "slot")


def appointment_change(
    *,
    appointment: Appointment,
    current: dict,
    wanted: dict,
    by: User,
    expected_version: int | None = None,
) -> Appointment:
    """Carry out the one change `wanted` asks of `current` (both FHIR JSON), on the version
    `expected_version` if given; the appointment that results (a new one after a reschedule).
    Nothing asked: `appointment` itself."""
    status = wanted.get("status", current["status"])
    practitioner = next(
        p["status"] for p in current["participant"] if _actor(p).startswith("Practitioner/")
    )
    answer = _practitioner_answer(current, wanted, status)
    # Participation follows the status, except the practitioner's answer to a request.
    if status != current["status"]:
        answer = practitioner
    elif practitioner != "needs-action" or answer == "needs-action":
        if answer == "declined" != practitioner:
            raise refuse("To call it off, set the status to cancelled.", "participant.status")
        answer = practitioner
    with_reason = status == "cancelled" or answer == "declined"
    for element in sorted(set(wanted) - DERIVED - CHANGEABLE):
        if element == "cancelationReason" and with_reason:
            continue
        if _plain(wanted[element]) != _plain(current.get(element)):
            raise refuse(f"{element} cannot be changed here.", element)
    start = _new_start(current, wanted)
    _check_slot(appointment, current, wanted, start)
    asked = [
        change
        for change, is_asked in (
            ("status", status != current["status"]),
            ("start", start is not None),
            ("participant", answer != practitioner),
        )
        if is_asked
    ]
    if len(asked) > 1:
        raise refuse("Change one thing at a time: the status, the start or the answer.", asked[1])
    if not asked:
        # Nothing to write, so nothing to lock; a stale version is still refused.
        ensure_version(appointment, expected_version)
        return appointment
    version = {"by": by, "expected_version": expected_version}
    if start is not None:
        return appointment_reschedule(appointment=appointment, start=start, **version)
    if asked == ["participant"]:
        if answer == "accepted":
            return appointment_confirm(appointment=appointment, **version)
        if answer == "declined":
            reason = (wanted.get("cancelationReason") or {}).get("text", "")
            return appointment_reject(appointment=appointment, reason=reason, **version)
        raise refuse("The practitioner can accept or decline.", "participant.status")
    if status == "booked" and current["status"] == "pending":
        return appointment_book_held(appointment=appointment, **version)
    if status == "cancelled":
        reason = (wanted.get("cancelationReason") or {}).get("text", "")
        return appointment_cancel(appointment=appointment, reason=reason or "", **version)
    action = STATUS_ACTIONS.get(status)
    if action is None:
        raise refuse(
            f"The status cannot be changed from {current['status']} to {status}.", "status"
        )
    return action(appointment=appointment, **version)
