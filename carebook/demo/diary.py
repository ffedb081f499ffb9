"""The demo's booking helper: finds slots the engine offers and books them through the services.

Each step (book, confirm, complete, cancel...) is taken with `now` set to the moment it happened,
so every appointment is one the engine offered then, with its history rows; `backdate` then dates
the history and created/updated stamps to those moments.
"""

import random
from datetime import UTC, datetime, time, timedelta

from carebook.booking.availability import slots_free
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.services import (
    appointment_book,
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_mark_no_show,
    appointment_reject,
    appointment_reschedule,
)
from carebook.clinic.models import Location, Practitioner, Service
from carebook.core.timeutils import zone
from carebook.scheduling import engine
from carebook.scheduling.models import BookingRules
from carebook.scheduling.selectors import rules_to_engine

SEED = 20250101
HOME_ZONE = "Asia/Kolkata"

S = Appointment.Status

REASONS = {
    "General Physician": [
        "Fever and sore throat for three days",
        "Follow-up: blood sugar and HbA1c results",
        "Persistent cough after a cold",
        "Blood pressure review",
        "Acidity and stomach pain after meals",
    ],
    "Paediatrics": [
        "Booster vaccination due",
        "Child has a runny nose and mild fever",
        "Growth and weight check",
        "Recurring wheezing at night",
    ],
    "Gynaecology": [
        "Irregular periods",
        "Antenatal check-up, 20 weeks",
        "PCOS follow-up",
        "Routine Pap smear",
    ],
    "Physiotherapy": [
        "Lower back pain after long drives",
        "Knee rehab after ACL surgery",
        "Neck stiffness from desk work",
        "Frozen shoulder",
    ],
    "Speech Therapy": [
        "Three-year-old not yet speaking in sentences",
        "Stammering when anxious",
        "Voice strain from teaching",
    ],
    "Counselling & Psychotherapy": [
        "Work stress and poor sleep",
        "Anxiety before exams",
        "Low mood for a few months",
        "Couples counselling",
    ],
    "Dermatology": [
        "Acne flare-up",
        "Hair fall for six months",
        "Itchy rash on the arms",
        "Pigmentation on the face",
    ],
    "Cardiology": [
        "Palpitations while climbing stairs",
        "ECG review after an annual health check",
        "Chest tightness on exertion",
        "Hypertension follow-up",
    ],
}
REJECT_REASONS = [
    "The doctor is in surgery at that time; please choose another slot.",
    "Please book the initial assessment before a regular session.",
    "This needs an in-person visit first; please book at the clinic rather than by video.",
]
PATIENT_CANCEL_REASONS = [
    "Feeling better, no longer needed.",
    "Travelling for work that week.",
    "Clashes with an office meeting.",
]
PRACTITIONER_CANCEL_REASONS = [
    "Called away for an emergency; the clinic will call to rebook.",
    "Clinic closed for maintenance that afternoon.",
]


class Diary:
    """Books the demo's appointments through the services, each step at its own moment."""

    def __init__(self, *, now: datetime, locations: dict[int, Location]):
        self.rng = random.Random(SEED)
        self.now = now.replace(second=0, microsecond=0)
        self.today = self.now.astimezone(zone(HOME_ZONE)).date()
        self.locations = locations
        self.held: dict[int, list[tuple[datetime, datetime]]] = {}
        self.visits: dict[int, list[tuple[datetime, datetime]]] = {}
        self.stamps: dict[int, list[datetime]] = {}
        self._rules: dict[int, BookingRules] = {}
        self._services: dict[int, list[Service]] = {}
        self._specialty: dict[int, str] = {}

    # What a practitioner offers --------------------------------------------------------------

    def rules(self, practitioner: Practitioner) -> BookingRules:
        if practitioner.pk not in self._rules:
            self._rules[practitioner.pk] = BookingRules.objects.get(practitioner=practitioner)
        return self._rules[practitioner.pk]

    def services(self, practitioner: Practitioner) -> list[Service]:
        if practitioner.pk not in self._services:
            self._services[practitioner.pk] = list(
                practitioner.services.filter(is_active=True).order_by("duration_minutes", "pk")
            )
        return self._services[practitioner.pk]

    def specialty(self, practitioner: Practitioner) -> str:
        if practitioner.pk not in self._specialty:
            first = practitioner.specialties.order_by("name").first()
            self._specialty[practitioner.pk] = first.name if first else "General Physician"
        return self._specialty[practitioner.pk]

    # Time -------------------------------------------------------------------------------------

    def between(self, start: datetime, end: datetime) -> datetime:
        """A whole minute in [start, end] (start when the range is empty)."""
        minutes = max(int((end - start).total_seconds() // 60), 0)
        return start + timedelta(minutes=self.rng.randint(0, minutes))

    def _fits(self, slot: engine.Slot, *, practitioner, patient, past: bool) -> bool:
        if past and slot.end + timedelta(minutes=15) > self.now:
            return False
        notice = max(self.rules(practitioner).min_notice_minutes, 60)
        if not past and slot.start < self.now + timedelta(minutes=notice):
            return False
        hold = engine.hold_range(slot.start, slot.end, rules_to_engine(self.rules(practitioner)))
        clash = any(s < hold[1] and e > hold[0] for s, e in self.held.get(practitioner.pk, []))
        clash = clash or any(
            s < slot.end and e > slot.start for s, e in self.visits.get(patient.pk, [])
        )
        return not clash

    def find(self, *, practitioner, service, patient, offsets, past: bool, booked_at=None):
        """A free slot on one of the days `offsets` from today, and when it was booked."""
        offsets = list(offsets)
        self.rng.shuffle(offsets)
        for offset in offsets:
            day = self.today + timedelta(days=offset)
            when = booked_at
            if when is None and past:
                when = datetime.combine(day, time.min, UTC) - timedelta(
                    days=self.rng.randint(2, 7), hours=self.rng.randint(0, 12)
                )
            elif when is None:
                when = self.now - timedelta(hours=self.rng.randint(2, 72))
            offered = slots_free(
                practitioner=practitioner,
                service=service,
                start_date=day,
                end_date=day,
                now=when,
            )
            fitting = [
                s
                for s in offered
                if self._fits(s, practitioner=practitioner, patient=patient, past=past)
            ]
            if fitting:
                return self.rng.choice(fitting), when
        return None, None

    # Bookings ---------------------------------------------------------------------------------

    def _remember(self, appointment: Appointment, at: datetime) -> None:
        self.held.setdefault(appointment.practitioner_id, []).append(
            (appointment.hold_start, appointment.hold_end)
        )
        self.visits.setdefault(appointment.patient_id, []).append(
            (appointment.start, appointment.end)
        )
        self.stamps.setdefault(appointment.pk, []).append(at)

    def abroad(self, practitioner: Practitioner) -> bool:
        """Whether the practitioner works only outside the clinic's home time zone."""
        zones = set(practitioner.windows.values_list("location__time_zone", flat=True))
        return HOME_ZONE not in zones

    def _mode(self, practitioner: Practitioner) -> str:
        modes = practitioner.visit_modes
        return modes[-1] if len(modes) > 1 and self.rng.random() < 0.3 else modes[0]

    def book(self, *, patient, practitioner, offsets, past, service=None, mode=None, reason=None):
        choices = self.services(practitioner)
        service = next(s for s in choices if s.name == service) if service else None
        service = service or self.rng.choice(choices)
        slot, booked_at = self.find(
            practitioner=practitioner,
            service=service,
            patient=patient,
            offsets=offsets,
            past=past,
        )
        if slot is None:
            return None, None
        appointment = appointment_book(
            patient=patient,
            practitioner=practitioner,
            service=service,
            location=self.locations[slot.location_id],
            start=slot.start,
            mode=mode or self._mode(practitioner),
            reason=reason or self.rng.choice(REASONS[self.specialty(practitioner)]),
            by=patient,
            now=booked_at,
        )
        self._remember(appointment, booked_at)
        return appointment, booked_at

    def step(self, action, appointment: Appointment, *, at: datetime, **kwargs) -> Appointment:
        appointment = action(appointment=appointment, now=at, **kwargs)
        self.stamps[appointment.pk].append(at)
        return appointment

    def visit(
        self, *, patient, practitioner, outcome, offsets, service=None, mode=None, reason=None
    ):
        """Book a visit and take it to `outcome`; None when no slot fits those days."""
        past = outcome in (S.COMPLETED, S.NO_SHOW) or offsets[-1] < 0
        appointment, booked_at = self.book(
            patient=patient,
            practitioner=practitioner,
            offsets=offsets,
            past=past,
            service=service,
            mode=mode,
            reason=reason,
        )
        if appointment is None:
            return None
        doctor = practitioner.user
        # Whatever happened before the visit happened before it and before now.
        limit = min(appointment.start - timedelta(minutes=30), self.now)
        if outcome in (S.CONFIRMED, S.COMPLETED, S.NO_SHOW) and appointment.status == S.REQUESTED:
            at = self.between(
                booked_at + timedelta(minutes=10), min(booked_at + timedelta(hours=8), limit)
            )
            appointment = self.step(appointment_confirm, appointment, at=at, by=doctor)
        if outcome == S.COMPLETED:
            at = min(
                self.between(appointment.end, appointment.end + timedelta(minutes=40)), self.now
            )
            appointment = self.step(appointment_complete, appointment, at=at, by=doctor)
        elif outcome == S.NO_SHOW:
            start = appointment.start + timedelta(minutes=15)
            at = min(self.between(start, start + timedelta(minutes=30)), self.now)
            appointment = self.step(appointment_mark_no_show, appointment, at=at, by=doctor)
        elif outcome == S.REJECTED:
            at = self.between(
                booked_at + timedelta(minutes=10), min(booked_at + timedelta(hours=6), limit)
            )
            reason = self.rng.choice(REJECT_REASONS)
            appointment = self.step(
                appointment_reject, appointment, at=at, by=doctor, reason=reason
            )
        elif outcome == S.CANCELLED:
            at = self.between(
                booked_at + timedelta(minutes=30), min(booked_at + timedelta(hours=12), limit)
            )
            cutoff = timedelta(hours=self.rules(practitioner).cancellation_cutoff_hours)
            by_patient = at <= appointment.start - cutoff
            appointment = self.step(
                appointment_cancel,
                appointment,
                at=at,
                by=patient if by_patient else doctor,
                reason=self.rng.choice(
                    PATIENT_CANCEL_REASONS if by_patient else PRACTITIONER_CANCEL_REASONS
                ),
            )
        return appointment

    def reschedule(self, *, patient, practitioner, first_offsets, new_offsets):
        """Book a future visit, then move it: the old one cancelled, linked to the new one."""
        old, booked_at = self.book(
            patient=patient, practitioner=practitioner, offsets=first_offsets, past=False
        )
        if old is None:
            return None, None
        at = self.between(booked_at + timedelta(hours=1), self.now - timedelta(minutes=30))
        slot, _ = self.find(
            practitioner=practitioner,
            service=old.service,
            patient=patient,
            offsets=new_offsets,
            past=False,
            booked_at=at,
        )
        if slot is None:
            return old, None
        new = appointment_reschedule(
            appointment=old,
            start=slot.start,
            location=self.locations[slot.location_id],
            by=patient,
            reason="Clashes with a work trip; moving to the following week.",
            now=at,
        )
        self.stamps[old.pk].append(at)
        self._remember(new, at)
        return old, new

    def backdate(self) -> None:
        """Date history rows and created/updated stamps to the moments the steps happened."""
        rows = []
        history = AppointmentHistory.objects.filter(appointment_id__in=self.stamps).order_by(
            "appointment_id", "id"
        )
        by_appointment: dict[int, list[AppointmentHistory]] = {}
        for row in history:
            by_appointment.setdefault(row.appointment_id, []).append(row)
        for pk, items in by_appointment.items():
            for row, at in zip(items, self.stamps[pk], strict=True):
                row.at = at
                rows.append(row)
        AppointmentHistory.objects.bulk_update(rows, ["at"], batch_size=500)
        appointments = list(Appointment.objects.filter(pk__in=self.stamps))
        for appointment in appointments:
            stamps = self.stamps[appointment.pk]
            appointment.created_at, appointment.updated_at = stamps[0], stamps[-1]
        Appointment.objects.bulk_update(appointments, ["created_at", "updated_at"], batch_size=500)
