"""Writes on appointments. Each is one transaction: lock, check, write, record history."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.booking.availability import slots_free
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.status import TRANSITIONS, party_of
from carebook.clinic.models import Location, Practitioner, Service
from carebook.core.errors import IllegalTransition, InvalidInput, PermissionDenied, SlotUnavailable
from carebook.core.events import APPOINTMENT_CHANGED, emit
from carebook.core.locking import lock
from carebook.core.timeutils import ensure_aware
from carebook.core.timeutils import now as utcnow
from carebook.scheduling import engine
from carebook.scheduling.models import BookingRules
from carebook.scheduling.selectors import rules_to_engine


def history_record(
    appointment: Appointment, *, by: User | None, action: str, from_status: str, reason: str = ""
) -> None:
    history = AppointmentHistory.objects.create(
        appointment=appointment,
        by=by,
        action=action,
        from_status=from_status,
        to_status=appointment.status,
        reason=reason,
    )
    # Handlers (messages, money) enqueue their tasks in this transaction: no change, no task.
    emit(APPOINTMENT_CHANGED, history=history)


def _check_booking_input(
    *,
    patient: User,
    practitioner: Practitioner,
    service: Service,
    location: Location,
    mode: str,
    reason: str,
    by: User,
    moving: bool,
) -> None:
    if not by.is_authenticated or not by.is_active:
        raise PermissionDenied()
    own_visit_moved = moving and by.pk == practitioner.user_id
    if not (by.pk == patient.pk or by.is_staff or own_visit_moved):
        raise PermissionDenied(_("You can only book appointments for yourself."))
    if not patient.is_patient:
        raise InvalidInput(_("Appointments are booked for patients."))
    if patient.state != User.State.ACTIVE:
        raise PermissionDenied(
            _("This account is waiting for the clinic's approval and cannot book yet.")
            if patient.state == User.State.PENDING
            else _("This account is suspended.")
        )
    if not practitioner.is_verified or practitioner.user.state != User.State.ACTIVE:
        raise InvalidInput(_("This practitioner is not taking bookings."))
    if service.practitioner_id != practitioner.pk or not service.is_active:
        raise InvalidInput(_("This practitioner does not offer that service."))
    if not location.is_active:
        raise InvalidInput(_("That location is closed."))
    if mode not in practitioner.visit_modes:
        raise InvalidInput(_("This practitioner does not offer that kind of visit."))
    if len(reason) > 2000:
        raise InvalidInput(_("Please keep the reason under 2000 characters."))


def _book(
    *,
    patient: User,
    practitioner: Practitioner,
    service: Service,
    location: Location,
    start: datetime,
    mode: str,
    reason: str,
    by: User,
    now: datetime,
    rescheduled_from: Appointment | None = None,
    hold: bool = False,
) -> Appointment:
    _check_booking_input(
        patient=patient,
        practitioner=practitioner,
        service=service,
        location=location,
        mode=mode,
        reason=reason,
        by=by,
        moving=rescheduled_from is not None,
    )
    start = ensure_aware(start)
    lock(Practitioner, practitioner.pk)
    lock(User, patient.pk)
    _release_expired_holds(practitioner=practitioner, patient=patient, now=now)

    rules_row = BookingRules.objects.filter(practitioner=practitioner).first()
    rules = rules_to_engine(rules_row)
    local_day = start.astimezone(location.tz).date()
    offered = slots_free(
        practitioner=practitioner,
        service=service,
        start_date=local_day,
        end_date=local_day,
        location=location,
        now=now,
        rules=rules,
    )
    slot = next((s for s in offered if s.start == start), None)
    if slot is None:
        raise SlotUnavailable()
    if Appointment.objects.filter(
        patient=patient,
        status__in=Appointment.ACTIVE_STATUSES,
        start__lt=slot.end,
        end__gt=slot.start,
    ).exists():
        raise SlotUnavailable(_("You already have an appointment at that time."))

    hold_start, hold_end = engine.hold_range(slot.start, slot.end, rules)
    auto = rules_row.auto_confirm if rules_row else False
    if hold:
        status = Appointment.Status.HELD
    else:
        status = Appointment.Status.CONFIRMED if auto else Appointment.Status.REQUESTED
    appointment = Appointment(
        patient=patient,
        practitioner=practitioner,
        location=location,
        service=service,
        start=slot.start,
        end=slot.end,
        hold_start=hold_start,
        hold_end=hold_end,
        mode=mode,
        reason=reason.strip(),
        status=status,
        held_until=now + hold_duration() if hold else None,
        price=service.effective_price,
        rescheduled_from=rescheduled_from,
        booked_by=by,
    )
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        # The exclusion constraints caught an overlap the checks above did not see.
        raise SlotUnavailable() from exc
    action = "held" if hold else "rescheduled" if rescheduled_from else "booked"
    history_record(appointment, by=by, action=action, from_status="")
    return appointment


def hold_duration() -> timedelta:
    return timedelta(minutes=settings.CAREBOOK_HOLD_MINUTES)


def _release_expired_holds(*, practitioner: Practitioner, patient: User, now: datetime) -> None:
    """Cancel holds past their time that still block this practitioner or patient."""
    expired = Appointment.objects.filter(
        Q(practitioner=practitioner) | Q(patient=patient),
        status=Appointment.Status.HELD,
        held_until__lte=now,
    )
    for appointment in expired.select_for_update(of=("self",)):
        appointment.status = Appointment.Status.CANCELLED
        appointment.save(update_fields=["status", "updated_at"])
        history_record(
            appointment, by=None, action="hold_expired", from_status=Appointment.Status.HELD
        )


@transaction.atomic(durable=True)
def appointment_book(
    *,
    patient: User,
    practitioner: Practitioner,
    service: Service,
    location: Location,
    start: datetime,
    mode: str,
    reason: str = "",
    by: User,
    now: datetime | None = None,
) -> Appointment:
    """Book a free slot; 'confirmed' when the practitioner auto-confirms, else 'requested'."""
    return _book(
        patient=patient,
        practitioner=practitioner,
        service=service,
        location=location,
        start=start,
        mode=mode,
        reason=reason,
        by=by,
        now=now or utcnow(),
    )


def _transition(
    *,
    appointment: Appointment,
    action: str,
    by: User,
    reason: str,
    now: datetime,
    record_as: str = "",
) -> Appointment:
    transition = TRANSITIONS[action]
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("practitioner", "practitioner__booking_rules")
        .get(pk=appointment.pk)
    )
    party = party_of(appointment, by)
    if party is None or party not in transition.parties:
        raise PermissionDenied()
    if appointment.status not in transition.sources:
        raise IllegalTransition(
            _("A %(status)s appointment cannot be %(action)s.")
            % {"status": appointment.get_status_display().lower(), "action": _ACTION_WORDS[action]}
        )
    if transition.after_start_only and now < appointment.start:
        raise IllegalTransition(_("This can only be recorded once the appointment has started."))
    if action == "cancel" and party == "patient":
        rules = getattr(appointment.practitioner, "booking_rules", None)
        cutoff_hours = (
            rules.cancellation_cutoff_hours
            if rules
            else BookingRules._meta.get_field("cancellation_cutoff_hours").default
        )
        if now > appointment.start - timedelta(hours=cutoff_hours):
            raise IllegalTransition(
                _(
                    "Appointments can be cancelled online until %(hours)d hours before they "
                    "start. Please call the clinic."
                )
                % {"hours": cutoff_hours}
            )
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


_ACTION_WORDS = {
    "confirm": "confirmed",
    "reject": "rejected",
    "cancel": "cancelled",
    "complete": "completed",
    "no_show": "marked as a no-show",
}


@transaction.atomic(durable=True)
def appointment_confirm(
    *, appointment: Appointment, by: User, now: datetime | None = None
) -> Appointment:
    return _transition(
        appointment=appointment, action="confirm", by=by, reason="", now=now or utcnow()
    )


@transaction.atomic(durable=True)
def appointment_reject(
    *, appointment: Appointment, by: User, reason: str, now: datetime | None = None
) -> Appointment:
    return _transition(
        appointment=appointment, action="reject", by=by, reason=reason, now=now or utcnow()
    )


@transaction.atomic(durable=True)
def appointment_cancel(
    *, appointment: Appointment, by: User, reason: str = "", now: datetime | None = None
) -> Appointment:
    """Cancel an active appointment; patients only before the practitioner's cut-off.

    Money paid for it is settled by billing after commit, as the clinic's policy says.
    """
    return _transition(
        appointment=appointment, action="cancel", by=by, reason=reason, now=now or utcnow()
    )


@transaction.atomic(durable=True)
def appointment_complete(
    *, appointment: Appointment, by: User, now: datetime | None = None
) -> Appointment:
    return _transition(
        appointment=appointment, action="complete", by=by, reason="", now=now or utcnow()
    )


@transaction.atomic(durable=True)
def appointment_mark_no_show(
    *, appointment: Appointment, by: User, now: datetime | None = None
) -> Appointment:
    return _transition(
        appointment=appointment, action="no_show", by=by, reason="", now=now or utcnow()
    )


@transaction.atomic(durable=True)
def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    by: User,
    location: Location | None = None,
    service: Service | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Move an active appointment: cancel it and book the new time in one step, linked."""
    now = now or utcnow()
    old = _transition(
        appointment=appointment,
        action="cancel",
        by=by,
        reason=reason,
        now=now,
        record_as="reschedule",
    )
    return _book(
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


@transaction.atomic(durable=True)
def appointment_hold(
    *,
    patient: User,
    practitioner: Practitioner,
    service: Service,
    location: Location,
    start: datetime,
    mode: str,
    reason: str = "",
    by: User,
    now: datetime | None = None,
) -> Appointment:
    """Keep a free slot for a few minutes while the booking is completed elsewhere."""
    return _book(
        patient=patient,
        practitioner=practitioner,
        service=service,
        location=location,
        start=start,
        mode=mode,
        reason=reason,
        by=by,
        now=now or utcnow(),
        hold=True,
    )


def hold_convert(*, appointment: Appointment, by: User, now: datetime) -> Appointment:
    """Turn a live hold into a booking inside the caller's transaction (see appointment_book_held).

    For writes that must commit together with the booking, such as a payment.
    """
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("practitioner__booking_rules")
        .get(pk=appointment.pk)
    )
    if party_of(appointment, by) not in ("patient", "staff"):
        raise PermissionDenied()
    if appointment.status != Appointment.Status.HELD:
        raise IllegalTransition(_("Only a held appointment can be booked this way."))
    if appointment.held_until <= now:
        raise SlotUnavailable(_("The hold on this slot has expired. Please pick a slot again."))
    rules = getattr(appointment.practitioner, "booking_rules", None)
    auto = rules.auto_confirm if rules else False
    appointment.status = Appointment.Status.CONFIRMED if auto else Appointment.Status.REQUESTED
    appointment.held_until = None
    appointment.save(update_fields=["status", "held_until", "updated_at"])
    history_record(appointment, by=by, action="booked", from_status=Appointment.Status.HELD)
    return appointment


@transaction.atomic(durable=True)
def appointment_book_held(
    *, appointment: Appointment, by: User, now: datetime | None = None
) -> Appointment:
    """Turn a live hold into a booking ('requested' or 'confirmed' as the rules say)."""
    return hold_convert(appointment=appointment, by=by, now=now or utcnow())


def hold_release(*, appointment: Appointment, now: datetime) -> None:
    """Let a held slot go now, inside the caller's transaction (e.g. a payment timed out)."""
    appointment = Appointment.objects.select_for_update(of=("self",)).get(pk=appointment.pk)
    if appointment.status != Appointment.Status.HELD:
        return
    appointment.held_until = now
    appointment.save(update_fields=["held_until", "updated_at"])
    _release_expired_holds(
        practitioner=appointment.practitioner, patient=appointment.patient, now=now
    )
