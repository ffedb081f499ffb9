"""Taking a slot: book it, or hold it while the patient pays or a client completes the booking.

Every door (web, REST, FHIR, staff on behalf) books through `appointment_book`, which decides from
the clinic's policy whether the slot is booked now or held until paid, and refuses what the
policy refuses (account state, verification, hold cap). Each write is one transaction: lock the
practitioner then the patient, re-ask the engine for this exact slot, insert, history row.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection
from django.db.models import Q
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.accounts.verification import ensure_email_verified
from carebook.booking.availability import appointments_keeping_time, slots_free
from carebook.booking.models import Appointment
from carebook.booking.services.history import history_record
from carebook.booking.services.rows import parties_lock
from carebook.booking.services.version import ensure_version
from carebook.booking.status import party_of
from carebook.clinic.models import Clinic, Location, Practitioner, Service
from carebook.core.errors import (
    HoldLimitReached,
    IllegalTransition,
    InvalidInput,
    PaymentRequired,
    PermissionDenied,
    SlotUnavailable,
)
from carebook.core.rows import row_insert
from carebook.core.timeutils import ensure_aware
from carebook.core.timeutils import now as utcnow
from carebook.core.transactions import atomic_write
from carebook.scheduling import engine
from carebook.scheduling.selectors import booking_schedule


def payment_due_at_booking(*, patient: User, service: Service, by: User, clinic: Clinic) -> bool:
    """Whether this booking waits for an online payment before it is booked.

    Only a patient booking for themself pays at booking (staff take payment at the counter),
    and only for a visit with a fee.
    """
    return clinic.payment_at_booking and by.pk == patient.pk and service.effective_price > 0


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
    if by.pk == patient.pk:
        # Staff booking on a patient's behalf (walk-ins included) vouch for the patient.
        ensure_email_verified(patient)
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


def _ensure_hold_allowed(*, patient: User, max_holds: int, now: datetime) -> None:
    """Refuse a new hold when the patient already holds as many live slots as allowed."""
    live = Appointment.objects.filter(
        patient=patient, status=Appointment.Status.HELD, held_until__gt=now
    ).count()
    if live >= max_holds:
        raise HoldLimitReached()


def book_slot(
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
    """Take the slot inside the caller's transaction: the shape every booking has.

    Five statements when nothing is in the way: lock both parties (reading the clinic's policy
    with them), read the windows and rules, read the busy time, insert, history row. The
    database's exclusion constraints are the last word on overlaps, for the patient too: the
    insert skips a refused row instead of failing, and only then (rarely) are the expired holds
    in the way released and the insert tried once more. Expired holds are otherwise left to
    the periodic `expire_due` task; the engine already ignores them.
    """
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
    pay_at_booking, max_holds = parties_lock(practitioner_id=practitioner.pk, patient_id=patient.pk)
    pay_first = (
        rescheduled_from is None
        and pay_at_booking
        and by.pk == patient.pk
        and service.effective_price > 0
    )
    hold = hold or pay_first
    if hold:
        _ensure_hold_allowed(patient=patient, max_holds=max_holds, now=now)

    windows, rules, auto = booking_schedule(practitioner.pk)
    local_day = start.astimezone(location.tz).date()
    offered = slots_free(
        practitioner=practitioner,
        service=service,
        start_date=local_day,
        end_date=local_day,
        location=location,
        now=now,
        rules=rules,
        windows=windows,
    )
    slot = next((s for s in offered if s.start == start), None)
    if slot is None:
        raise SlotUnavailable()

    hold_start, hold_end = engine.hold_range(slot.start, slot.end, rules)
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
        payment_due=pay_first,
        price=service.effective_price,
        rescheduled_from=rescheduled_from,
        booked_by=by,
    )
    if not _insert(appointment) and not (
        _release_expired_holds(appointment, now=now) and _insert(appointment)
    ):
        if _patient_busy(appointment, now=now):
            raise SlotUnavailable(_("You already have an appointment at that time."))
        raise SlotUnavailable()
    action = "held" if hold else "rescheduled" if rescheduled_from else "booked"
    history_record(appointment, by=by, action=action, from_status="")
    return appointment


def _insert(appointment: Appointment) -> bool:
    """Insert the new appointment; False when an exclusion constraint refused it."""
    try:
        return row_insert(appointment, skip_conflict=True)
    except IntegrityError:
        # SQLite's overlap triggers abort the statement alone; the transaction goes on.
        if connection.vendor == "postgresql":
            raise
        return False


def _patient_busy(appointment: Appointment, *, now: datetime) -> bool:
    return (
        appointments_keeping_time(now=now)
        .filter(
            patient_id=appointment.patient_id, start__lt=appointment.end, end__gt=appointment.start
        )
        .exists()
    )


def hold_duration() -> timedelta:
    return timedelta(minutes=settings.CAREBOOK_HOLD_MINUTES)


def _release_expired_holds(appointment: Appointment, *, now: datetime) -> int:
    """Cancel holds past their time that overlap `appointment` (its practitioner's hold or its
    patient's visit), which the database still counts as active; how many."""
    expired = Appointment.objects.filter(
        Q(
            practitioner_id=appointment.practitioner_id,
            hold_start__lt=appointment.hold_end,
            hold_end__gt=appointment.hold_start,
        )
        | Q(
            patient_id=appointment.patient_id,
            start__lt=appointment.end,
            end__gt=appointment.start,
        ),
        status=Appointment.Status.HELD,
        held_until__lte=now,
    )
    released = 0
    for held in expired.select_for_update(of=("self",)):
        held.status = Appointment.Status.CANCELLED
        held.save(update_fields=["status", "updated_at"])
        history_record(held, by=None, action="hold_expired", from_status=Appointment.Status.HELD)
        released += 1
    return released


# A slot found taken is refused before anything is written but the expired holds released
# on the way (whole on their own): nothing to roll back.
@atomic_write(commit_before=SlotUnavailable)
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
    """Book a free slot for `patient`: the one way every door books.

    'confirmed' when the practitioner auto-confirms, else 'requested'; but when the clinic takes
    payment at booking and the patient books for themself, the slot is only held
    (`payment_due`) until billing records the payment (see `hold_convert`).
    """
    return book_slot(
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


@atomic_write(commit_before=SlotUnavailable)
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
    """Keep a free slot for a few minutes while the booking is completed elsewhere.

    A patient may hold at most the clinic's `max_active_holds` live slots at once.
    """
    return book_slot(
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


def hold_convert(
    *,
    appointment: Appointment,
    by: User,
    now: datetime,
    paid: bool = False,
    expected_version: int | None = None,
) -> Appointment:
    """Turn a live hold into a booking inside the caller's transaction (see appointment_book_held).

    For writes that must commit together with the booking, such as a payment: a hold that waits
    for payment is booked only with `paid=True`, which billing passes when the charge succeeded.
    """
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("practitioner__booking_rules")
        .get(pk=appointment.pk)
    )
    ensure_version(appointment, expected_version)
    if party_of(appointment, by) not in ("patient", "staff"):
        raise PermissionDenied()
    if appointment.status != Appointment.Status.HELD:
        raise IllegalTransition(_("Only a held appointment can be booked this way."))
    if appointment.held_until <= now:
        raise SlotUnavailable(_("The hold on this slot has expired. Please pick a slot again."))
    if appointment.payment_due and not paid:
        raise PaymentRequired()
    rules = getattr(appointment.practitioner, "booking_rules", None)
    auto = rules.auto_confirm if rules else False
    appointment.status = Appointment.Status.CONFIRMED if auto else Appointment.Status.REQUESTED
    appointment.held_until = None
    appointment.save(update_fields=["status", "held_until", "updated_at"])
    history_record(appointment, by=by, action="booked", from_status=Appointment.Status.HELD)
    return appointment


@atomic_write
def appointment_book_held(
    *,
    appointment: Appointment,
    by: User,
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Appointment:
    """Turn a live hold into a booking ('requested' or 'confirmed' as the rules say)."""
    return hold_convert(
        appointment=appointment, by=by, now=now or utcnow(), expected_version=expected_version
    )


def hold_release(*, appointment: Appointment, now: datetime) -> None:
    """Let a held slot go now, inside the caller's transaction (e.g. a payment timed out)."""
    appointment = Appointment.objects.select_for_update(of=("self",)).get(pk=appointment.pk)
    if appointment.status != Appointment.Status.HELD:
        return
    appointment.status = Appointment.Status.CANCELLED
    appointment.held_until = now
    appointment.save(update_fields=["status", "held_until", "updated_at"])
    history_record(appointment, by=None, action="hold_expired", from_status=Appointment.Status.HELD)
