"""The day at the clinic: the front desk checks a patient in; the practitioner calls them in.

Marks on a confirmed visit, each once, each in the visit's history (without a message to
anyone). A check-in opens on the visit's local day; a consultation may start once the
patient is checked in or the visit's time has come.
"""

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.booking.services.history import history_record
from carebook.booking.status import party_of
from carebook.core.errors import IllegalTransition, PermissionDenied
from carebook.core.timeutils import now as utcnow
from carebook.core.transactions import atomic_write

S = Appointment.Status


def arrival_refusal(appointment: Appointment, mark: str, party: str | None, *, now) -> str | None:
    """Why `party` may not record `mark` ("arrived" or "consultation") now, or None."""
    if party not in ("staff", "practitioner"):
        return _("You cannot do that.")
    if appointment.status != S.CONFIRMED:
        return _("Only a confirmed visit can be checked in or started.")
    if now > appointment.end + timedelta(hours=2):
        return _("This visit is over.")
    if mark == "arrived":
        if appointment.arrived_at is not None:
            return _("The patient is already checked in.")
        tz = appointment.location.tz
        if now.astimezone(tz).date() < appointment.start.astimezone(tz).date():
            return _("Patients check in on the day of their visit.")
    if mark == "consultation":
        if appointment.consultation_started_at is not None:
            return _("The consultation has already started.")
        if appointment.arrived_at is None and now < appointment.start:
            return _("Check the patient in first, or wait for the visit's time.")
    return None


def _mark(appointment: Appointment, mark: str, by: User, now: datetime) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("practitioner", "location")
        .get(pk=appointment.pk)
    )
    party = party_of(appointment, by)
    if party not in ("staff", "practitioner"):
        raise PermissionDenied()
    refusal = arrival_refusal(appointment, mark, party, now=now)
    if refusal is not None:
        raise IllegalTransition(refusal)
    fields = ["updated_at"]
    if mark == "arrived" or appointment.arrived_at is None:
        appointment.arrived_at = now
        fields.append("arrived_at")
    if mark == "consultation":
        appointment.consultation_started_at = now
        fields.append("consultation_started_at")
    appointment.save(update_fields=fields)
    history_record(appointment, by=by, action=mark, from_status=appointment.status)
    return appointment


@atomic_write
def appointment_check_in(*, appointment: Appointment, by: User, now=None) -> Appointment:
    """The patient is here: the front desk (or the practitioner) records the time."""
    return _mark(appointment, "arrived", by, now or utcnow())


@atomic_write
def appointment_consultation_start(*, appointment: Appointment, by: User, now=None) -> Appointment:
    """The practitioner calls the patient in (checking them in too if the desk did not)."""
    return _mark(appointment, "consultation", by, now or utcnow())
