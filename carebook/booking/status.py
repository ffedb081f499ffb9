"""The appointment status machine: which action moves which status, and who may take it."""

from dataclasses import dataclass

from carebook.booking.models import Appointment

S = Appointment.Status


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    parties: frozenset[str]  # "patient", "practitioner", "staff"
    after_start_only: bool = False


TRANSITIONS: dict[str, Transition] = {
    "confirm": Transition(
        frozenset({S.REQUESTED}), S.CONFIRMED, frozenset({"practitioner", "staff"})
    ),
    "reject": Transition(
        frozenset({S.REQUESTED}), S.REJECTED, frozenset({"practitioner", "staff"})
    ),
    "cancel": Transition(
        frozenset({S.HELD, S.REQUESTED, S.CONFIRMED}),
        S.CANCELLED,
        frozenset({"patient", "practitioner", "staff"}),
    ),
    "complete": Transition(
        frozenset({S.CONFIRMED}),
        S.COMPLETED,
        frozenset({"practitioner", "staff"}),
        after_start_only=True,
    ),
    "no_show": Transition(
        frozenset({S.CONFIRMED}),
        S.NO_SHOW,
        frozenset({"practitioner", "staff"}),
        after_start_only=True,
    ),
}


def party_of(appointment: Appointment, user) -> str | None:
    """How `user` stands to this appointment, or None when it is not theirs to touch."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_staff:
        return "staff"
    if user.is_practitioner and appointment.practitioner.user_id == user.pk:
        return "practitioner"
    if user.is_patient and appointment.patient_id == user.pk:
        return "patient"
    return None


def allowed_actions(appointment: Appointment, user) -> list[str]:
    party = party_of(appointment, user)
    return [
        name
        for name, t in TRANSITIONS.items()
        if party in t.parties and appointment.status in t.sources
    ]
