"""The appointment status machine: which action moves which status, and who may take it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from carebook.booking.models import Appointment
from carebook.clinic.models import Clinic
from carebook.core.timeutils import now as utcnow
from carebook.scheduling.models import BookingRules

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


_ACTION_WORDS = {
    "confirm": "confirmed",
    "reject": "rejected",
    "cancel": "cancelled",
    "complete": "completed",
    "no_show": "marked as a no-show",
}


def cutoff_hours_of(practitioner) -> int:
    """Until how many hours before a visit its patient may cancel it online."""
    rules = getattr(practitioner, "booking_rules", None)
    if rules is not None:
        return rules.cancellation_cutoff_hours
    return BookingRules._meta.get_field("cancellation_cutoff_hours").default


def cancellation_cutoff_hours(appointment: Appointment) -> int:
    return cutoff_hours_of(appointment.practitioner)


def transition_refusal(
    appointment: Appointment, action: str, party: str | None, *, now: datetime
) -> str | None:
    """Why `party` may not take `action` on this appointment now, or None when they may.

    The one place the rule is decided: the service raises on it, and the doors offer only
    the actions it allows.
    """
    transition = TRANSITIONS[action]
    if party is None or party not in transition.parties:
        return _("You cannot do that.")
    if appointment.status not in transition.sources:
        return _("A %(status)s appointment cannot be %(action)s.") % {
            "status": appointment.get_status_display().lower(),
            "action": _ACTION_WORDS[action],
        }
    if transition.after_start_only and now < appointment.start:
        return _("This can only be recorded once the appointment has started.")
    if action == "cancel" and party == "patient":
        hours = cancellation_cutoff_hours(appointment)
        if now > appointment.start - timedelta(hours=hours):
            phone = Clinic.settings().phone
            return _(
                "Appointments can be cancelled online until %(hours)d hours before they "
                "start. Please call the clinic%(on)s."
            ) % {"hours": hours, "on": f" on {phone}" if phone else ""}
    return None


def allowed_actions(appointment: Appointment, user, *, now: datetime | None = None) -> list[str]:
    """The actions `user` may take on this appointment now: exactly those the service accepts."""
    party = party_of(appointment, user)
    now = now or utcnow()
    return [
        name
        for name in TRANSITIONS
        if transition_refusal(appointment, name, party, now=now) is None
    ]


def action_refusal(appointment: Appointment, user, action: str, *, now: datetime | None = None):
    """Why `user` may not take `action` here now (for a page to say so), or None."""
    return transition_refusal(appointment, action, party_of(appointment, user), now=now or utcnow())
