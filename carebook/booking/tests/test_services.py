from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory, UserFactory
from carebook.booking.models import Appointment
from carebook.booking.services import (
    appointment_book,
    appointment_book_held,
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_hold,
    appointment_mark_no_show,
    appointment_reject,
    appointment_reschedule,
)
from carebook.booking.status import allowed_actions
from carebook.booking.tests.factories import bookable_calendar
from carebook.core.errors import IllegalTransition, InvalidInput, PermissionDenied, SlotUnavailable
from carebook.scheduling.tests.factories import TimeOffFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 05:30 in Kolkata
NINE_IST = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)  # Tuesday 09:00 in Kolkata
S = Appointment.Status


def book(cal, patient, start=NINE_IST, **kw):
    kw.setdefault("by", patient)
    kw.setdefault("now", NOW)
    kw.setdefault("mode", "in_person")
    return appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        **kw,
    )


@pytest.fixture
def cal():
    return bookable_calendar()


@pytest.fixture
def patient():
    return PatientFactory()


def test_book_free_slot_is_requested_with_price_and_history(cal, patient):
    appt = book(cal, patient, reason="  fever for 3 days ")
    assert appt.status == S.REQUESTED
    assert appt.end - appt.start == timedelta(minutes=30)
    assert appt.price == cal.practitioner.consultation_fee
    assert appt.reason == "fever for 3 days"
    row = appt.history.get()
    assert (row.action, row.from_status, row.to_status, row.by) == (
        "booked",
        "",
        S.REQUESTED,
        patient,
    )


def test_auto_confirm_books_confirmed(patient):
    cal = bookable_calendar(auto_confirm=True)
    assert book(cal, patient).status == S.CONFIRMED


def test_same_slot_twice_is_refused(cal):
    book(cal, PatientFactory())
    with pytest.raises(SlotUnavailable):
        book(cal, PatientFactory())


def test_overlapping_slot_of_longer_service_is_refused(cal, patient):
    book(cal, PatientFactory())
    cal.service.duration_minutes = 60
    cal.service.save()
    with pytest.raises(SlotUnavailable):
        book(cal, patient, start=NINE_IST - timedelta(minutes=30))


def test_patient_cannot_hold_two_appointments_at_once(patient):
    a, b = bookable_calendar(), bookable_calendar()
    book(a, patient)
    with pytest.raises(SlotUnavailable, match="already have an appointment"):
        book(b, patient)


@pytest.mark.parametrize(
    "start",
    [
        NINE_IST + timedelta(minutes=10),  # off the grid
        datetime(2026, 3, 3, 2, 30, tzinfo=UTC),  # 08:00 IST, before the window
        datetime(2026, 3, 3, 11, 30, tzinfo=UTC),  # 17:00 IST, window closed
        NOW + timedelta(days=90),  # beyond the horizon
        NOW - timedelta(days=1),  # in the past
    ],
)
def test_a_time_the_engine_does_not_offer_is_refused(cal, patient, start):
    with pytest.raises(SlotUnavailable):
        book(cal, patient, start=start)
    assert not Appointment.objects.exists()


def test_time_off_and_minimum_notice_are_respected(patient):
    cal = bookable_calendar(min_notice=24 * 60)
    with pytest.raises(SlotUnavailable):
        book(cal, patient, start=datetime(2026, 3, 2, 4, 0, tzinfo=UTC))
    TimeOffFactory(practitioner=cal.practitioner, start=NINE_IST, end=NINE_IST + timedelta(hours=1))
    with pytest.raises(SlotUnavailable):
        book(cal, patient)


def test_buffers_keep_the_next_booking_away(patient):
    cal = bookable_calendar(buffer_after=15, step=15)
    book(cal, PatientFactory())
    with pytest.raises(SlotUnavailable):
        book(cal, patient, start=NINE_IST + timedelta(minutes=30))
    assert book(cal, patient, start=NINE_IST + timedelta(minutes=45))


def test_naive_start_is_rejected(cal, patient):
    with pytest.raises(ValueError):
        book(cal, patient, start=datetime(2026, 3, 3, 9, 0))


def test_booking_rules_of_who_may_book(cal, patient):
    with pytest.raises(PermissionDenied):
        book(cal, patient, by=PatientFactory())
    staff = StaffFactory()
    assert book(cal, patient, by=staff).booked_by == staff


def test_pending_patient_cannot_book(cal):
    pending = PatientFactory(state=User.State.PENDING)
    with pytest.raises(PermissionDenied, match="approval"):
        book(cal, pending)


def test_unverified_practitioner_takes_no_bookings(cal, patient):
    cal.practitioner.verified_at = None
    cal.practitioner.save()
    with pytest.raises(InvalidInput):
        book(cal, patient)


def test_service_and_mode_must_belong_to_the_practitioner(cal, patient):
    other = bookable_calendar()
    with pytest.raises(InvalidInput):
        appointment_book(
            patient=patient,
            practitioner=cal.practitioner,
            service=other.service,
            location=cal.location,
            start=NINE_IST,
            mode="in_person",
            by=patient,
            now=NOW,
        )
    cal.practitioner.offers_video = False
    cal.practitioner.save()
    with pytest.raises(InvalidInput):
        book(cal, patient, mode="video")


def test_practitioner_confirms_then_completes_after_start(cal, patient):
    appt = book(cal, patient)
    doctor = cal.practitioner.user
    assert set(allowed_actions(appt, doctor)) == {"confirm", "reject", "cancel"}
    appt = appointment_confirm(appointment=appt, by=doctor, now=NOW)
    assert appt.status == S.CONFIRMED
    with pytest.raises(IllegalTransition, match="started"):
        appointment_complete(appointment=appt, by=doctor, now=NOW)
    appt = appointment_complete(appointment=appt, by=doctor, now=NINE_IST + timedelta(minutes=5))
    assert appt.status == S.COMPLETED
    assert [h.action for h in appt.history.all()] == ["booked", "confirm", "complete"]
    with pytest.raises(IllegalTransition):
        appointment_cancel(appointment=appt, by=doctor, now=NOW)


def test_no_show_only_after_start(cal, patient):
    appt = appointment_confirm(appointment=book(cal, patient), by=cal.practitioner.user, now=NOW)
    with pytest.raises(IllegalTransition):
        appointment_mark_no_show(appointment=appt, by=cal.practitioner.user, now=NOW)
    appt = appointment_mark_no_show(
        appointment=appt, by=cal.practitioner.user, now=NINE_IST + timedelta(hours=1)
    )
    assert appt.status == S.NO_SHOW


def test_reject_needs_a_reason_and_frees_the_slot(cal, patient):
    appt = book(cal, patient)
    with pytest.raises(InvalidInput):
        appointment_reject(appointment=appt, by=cal.practitioner.user, reason=" ", now=NOW)
    appt = appointment_reject(
        appointment=appt, by=cal.practitioner.user, reason="Not my field", now=NOW
    )
    assert appt.status == S.REJECTED and appt.history.last().reason == "Not my field"
    assert book(cal, PatientFactory()).status == S.REQUESTED


def test_patient_cannot_confirm_and_stranger_cannot_touch(cal, patient):
    appt = book(cal, patient)
    with pytest.raises(PermissionDenied):
        appointment_confirm(appointment=appt, by=patient, now=NOW)
    other_doctor = bookable_calendar().practitioner.user
    for user in (PatientFactory(), other_doctor):
        with pytest.raises(PermissionDenied):
            appointment_cancel(appointment=appt, by=user, now=NOW)
    appt.refresh_from_db()
    assert appt.status == S.REQUESTED and appt.history.count() == 1


def test_patient_cancels_before_cutoff_but_not_after(patient):
    cal = bookable_calendar(cutoff_hours=24)
    first = book(cal, patient)
    with pytest.raises(IllegalTransition, match="24 hours"):
        appointment_cancel(appointment=first, by=patient, now=NINE_IST - timedelta(hours=23))
    cancelled = appointment_cancel(
        appointment=first, by=patient, reason="Feeling better", now=NINE_IST - timedelta(hours=25)
    )
    assert cancelled.status == S.CANCELLED
    second = book(cal, patient)  # the slot is free again
    # The practitioner may still cancel inside the cut-off.
    assert (
        appointment_cancel(
            appointment=second, by=cal.practitioner.user, now=NINE_IST - timedelta(hours=1)
        ).status
        == S.CANCELLED
    )


def test_reschedule_moves_in_one_step_and_links(cal, patient):
    old = book(cal, patient)
    new_start = NINE_IST + timedelta(days=1)
    new = appointment_reschedule(appointment=old, start=new_start, by=patient, now=NOW)
    old.refresh_from_db()
    assert old.status == S.CANCELLED and new.rescheduled_from == old and old.rescheduled_to == new
    assert new.start == new_start and new.status == S.REQUESTED
    assert old.history.last().action == "reschedule" and new.history.get().action == "rescheduled"
    assert book(cal, PatientFactory()).start == NINE_IST  # old slot released


def test_failed_reschedule_leaves_the_old_appointment_untouched(cal, patient):
    old = book(cal, patient)
    taken = book(cal, PatientFactory(), start=NINE_IST + timedelta(hours=1))
    with pytest.raises(SlotUnavailable):
        appointment_reschedule(appointment=old, start=taken.start, by=patient, now=NOW)
    old.refresh_from_db()
    assert old.status == S.REQUESTED and old.history.count() == 1
    assert Appointment.objects.count() == 2


def test_reschedule_into_own_adjacent_slot_works(cal, patient):
    old = book(cal, patient)
    new = appointment_reschedule(
        appointment=old, start=NINE_IST + timedelta(minutes=30), by=cal.practitioner.user, now=NOW
    )
    assert new.booked_by == cal.practitioner.user


def test_practitioner_cannot_book_for_a_patient_directly(cal, patient):
    with pytest.raises(PermissionDenied):
        book(cal, patient, by=cal.practitioner.user)


def test_booking_across_dst_in_berlin(patient):
    cal = bookable_calendar(time_zone="Europe/Berlin", start=time(1), end=time(4))
    now = datetime(2026, 3, 20, tzinfo=UTC)
    # 03:00 CEST on the spring-forward day is 01:00 UTC; 02:30 local does not exist.
    appt = book(cal, patient, start=datetime(2026, 3, 29, 1, 0, tzinfo=UTC), now=now)
    assert appt.local_start.hour == 3
    with pytest.raises(SlotUnavailable):
        book(
            cal,
            PatientFactory(),
            start=datetime(2026, 3, 29, 0, 30, tzinfo=UTC) + timedelta(minutes=15),
            now=now,
        )


def test_history_is_append_only(cal, patient):
    row = book(cal, patient).history.get()
    row.reason = "edited"
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()


def test_database_refuses_overlaps_even_without_the_service(cal, patient):
    appt = book(cal, patient)
    clash = Appointment(
        patient=PatientFactory(),
        practitioner=appt.practitioner,
        location=appt.location,
        service=appt.service,
        start=appt.start + timedelta(minutes=15),
        end=appt.end + timedelta(minutes=15),
        hold_start=appt.start + timedelta(minutes=15),
        hold_end=appt.end + timedelta(minutes=15),
        mode="in_person",
        status=S.CONFIRMED,
        booked_by=patient,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()
    same_patient = Appointment(
        patient=patient,
        practitioner=bookable_calendar().practitioner,
        location=appt.location,
        service=appt.service,
        start=appt.start,
        end=appt.end,
        hold_start=appt.start,
        hold_end=appt.end,
        mode="in_person",
        status=S.REQUESTED,
        booked_by=patient,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        same_patient.save()
    clash.status = S.CANCELLED  # inactive appointments hold nothing
    clash.save()


def test_non_patient_is_not_booked(cal):
    with pytest.raises(InvalidInput):
        book(cal, UserFactory(role=User.Role.PRACTITIONER), by=StaffFactory())


def test_hold_keeps_the_slot_until_it_expires(cal, patient, settings):
    settings.CAREBOOK_HOLD_MINUTES = 10
    held = appointment_hold(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=NINE_IST,
        mode="in_person",
        by=patient,
        now=NOW,
    )
    assert held.status == S.HELD and held.held_until == NOW + timedelta(minutes=10)
    with pytest.raises(SlotUnavailable):
        book(cal, PatientFactory(), now=NOW + timedelta(minutes=9))
    # After expiry the next booking releases the hold and takes the slot.
    other = book(cal, PatientFactory(), now=NOW + timedelta(minutes=11))
    held.refresh_from_db()
    assert held.status == S.CANCELLED and held.history.last().action == "hold_expired"
    assert other.start == NINE_IST
    with pytest.raises(IllegalTransition):
        appointment_book_held(appointment=held, by=patient, now=NOW + timedelta(minutes=12))


def test_live_hold_becomes_a_booking_and_an_expired_one_does_not(cal, patient):
    kw = dict(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        mode="in_person",
        by=patient,
        now=NOW,
    )
    held = appointment_hold(start=NINE_IST, **kw)
    assert (
        appointment_book_held(appointment=held, by=patient, now=NOW + timedelta(minutes=1)).status
        == S.REQUESTED
    )
    late = appointment_hold(start=NINE_IST + timedelta(hours=1), **kw)
    with pytest.raises(SlotUnavailable, match="expired"):
        appointment_book_held(appointment=late, by=patient, now=NOW + timedelta(hours=1))
    with pytest.raises(PermissionDenied):
        appointment_book_held(appointment=late, by=PatientFactory(), now=NOW)
