"""Status changes of an existing appointment, through the status machine."""

from datetime import datetime

from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.booking.services.book import book_slot
from carebook.booking.services.history import history_record
from carebook.booking.services.version import ensure_version
from carebook.booking.status import TRANSITIONS, party_of, transition_refusal
from carebook.clinic.models import Location, Service
from carebook.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from carebook.core.timeutils import now as utcnow
from carebook.core.transactions import atomic_write


def _transition(
    *,
    appointment: Appointment,
    action: str,
    by: User,
    reason: str,
    now: datetime,
    record_as: str = "",
    expected_version: int | None = None,
) -> Appointment:
    transition = TRANSITIONS[action]
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("practitioner", "practitioner__booking_rules")
        .get(pk=appointment.pk)
    )
    ensure_version(appointment, expected_version)
    party = party_of(appointment, by)
    refusal = transition_refusal(appointment, action, party, now=now)
    if refusal is not None:
        raise PermissionDenied() if party not in transition.parties else IllegalTransition(refusal)
    if action == "reject" and not reason.strip():
        raise InvalidInput(_("Please give a reason for rejecting."))
    from_status = appointment.status
    appointment.status = transition.target
    appointment.save(update_fields=["status", "updated_at"])
    history_record(
        appointment,
        by=by,
        action=record_as or action,
        from_status=from_status,
        reason=reason.strip(),
    )
    return appointment


@atomic_write
def appointment_confirm(
    *,
    appointment: Appointment,
    by: User,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Appointment:
    return _transition(
        appointment=appointment,
        action="confirm",
        by=by,
        reason="",
        now=now or utcnow(),
        expected_version=expected_version,
    )


@atomic_write
def appointment_reject(
    *,
    appointment: Appointment,
    by: User,
    reason: str,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Appointment:
    return _transition(
        appointment=appointment,
        action="reject",
        by=by,
        reason=reason,
        now=now or utcnow(),
        expected_version=expected_version,
    )


@atomic_write
def appointment_cancel(
    *,
    appointment: Appointment,
    by: User,
    reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Appointment:
    """Cancel an active appointment; patients only before the practitioner's cut-off.

    Money paid for it is settled by billing after commit, as the clinic's policy says.
    """
    return _transition(
        appointment=appointment,
        action="cancel",
        by=by,
        reason=reason,
        now=now or utcnow(),
        expected_version=expected_version,
    )


@atomic_write
def appointment_complete(
    *,
    appointment: Appointment,
    by: User,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Appointment:
    return _transition(
        appointment=appointment,
        action="complete",
        by=by,
        reason="",
        now=now or utcnow(),
        expected_version=expected_version,
    )


@atomic_write
def appointment_mark_no_show(
    *,
    appointment: Appointment,
    by: User,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Appointment:
    return _transition(
        appointment=appointment,
        action="no_show",
        by=by,
        reason="",
        now=now or utcnow(),
        expected_version=expected_version,
    )


@atomic_write
def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    by: User,
    location: Location | None = None,
    service: Service | None = None,
    reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Appointment:
    """Move a booked appointment: cancel it and book the new time in one step, linked.

    A hold is not moved (it is booked, or paid, first), and the move keeps the fee: a visit
    may already be invoiced or paid at the old price.
    """
    now = now or utcnow()
    current = Appointment.objects.select_for_update(of=("self",)).get(pk=appointment.pk)
    ensure_version(current, expected_version)
    if current.status == Appointment.Status.HELD:
        raise IllegalTransition(_("A held slot cannot be moved. Book it first, or pick again."))
    new_service = service or current.service
    if new_service.effective_price != current.price:
        raise IllegalTransition(
            _(
                "A move keeps the visit's fee; to change to a service with another fee, cancel "
                "this appointment and book again."
            )
        )
    old = _transition(
        appointment=appointment,
        action="cancel",
        by=by,
        reason=reason,
        now=now,
        record_as="reschedule",
    )
    return book_slot(
        patient=old.patient,
        practitioner=old.practitioner,
        service=service or old.service,
        location=location or old.location,
        start=start,
        mode=old.mode,
        reason=old.reason,
        by=by,
        now=now,
        rescheduled_from=old,
    )
