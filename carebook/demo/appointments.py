"""The demo's appointments: the demo patient's story, the demo doctor's day, everyone's weeks."""

from datetime import datetime

from django.db import transaction

from carebook.booking.models import Appointment
from carebook.clinic.models import VisitMode
from carebook.core.timeutils import now as utcnow
from carebook.demo.diary import Diary
from carebook.demo.logins import DOCTOR_LOGIN, PATIENT_LOGIN, UK_PATIENT
from carebook.demo.summary import Summary
from carebook.reports.rollup import rollup_rebuild

S = Appointment.Status

PAST_DAYS = range(-28, 0)
FUTURE_DAYS = range(1, 22)


def seed_appointments(*, ref: dict, summary: Summary, now: datetime | None = None) -> None:
    """Past and future appointments in every status (skipped when the demo already has some)."""
    practitioners = ref["practitioners"]
    if Appointment.objects.filter(practitioner__in=practitioners.values()).exists():
        return
    diary = Diary(now=now or utcnow(), locations=ref["locations"])
    patients = ref["patients"]
    me = patients[PATIENT_LOGIN[0]]
    uk = patients[UK_PATIENT]
    at_home = [p for email, p in patients.items() if email not in (PATIENT_LOGIN[0], UK_PATIENT)]
    doctor = practitioners[DOCTOR_LOGIN[0]]
    by_email = {email.split("@")[0]: p for email, p in practitioners.items()}

    # The demo patient's own story, one visit of each kind.
    story = [
        (doctor, S.COMPLETED, range(-24, -16), "General consultation", "Fever and sore throat"),
        (by_email["divya.nair"], S.COMPLETED, range(-14, -9), "Initial assessment", None),
        (by_email["sneha.kulkarni"], S.NO_SHOW, range(-8, -2), "Skin consultation", None),
        (by_email["neha.gupta"], S.CANCELLED, range(-18, -10), "Gynaecology consultation", None),
        (by_email["sneha.kulkarni"], S.REJECTED, range(4, 12), "Acne follow-up", None),
        (by_email["rahul.menon"], S.CONFIRMED, range(2, 9), "ECG review", None),
        (by_email["farhan.qureshi"], S.REQUESTED, range(2, 10), "Counselling session", None),
    ]
    for practitioner, outcome, offsets, service, reason in story:
        diary.visit(
            patient=me,
            practitioner=practitioner,
            outcome=outcome,
            offsets=offsets,
            service=service,
            reason=reason,
        )
    diary.reschedule(
        patient=me, practitioner=doctor, first_offsets=range(3, 7), new_offsets=range(8, 15)
    )

    # The demo doctor's day: this morning's visits done, the rest of today waiting.
    for outcome in (S.COMPLETED, S.COMPLETED, S.NO_SHOW, S.CONFIRMED, S.CONFIRMED, S.REQUESTED):
        diary.visit(
            patient=diary.rng.choice(at_home), practitioner=doctor, outcome=outcome, offsets=[0]
        )

    # Everyone's ordinary weeks. Patients in India see the Harrow practitioners by video.
    for practitioner in practitioners.values():
        if not practitioner.is_verified:
            continue
        auto = diary.rules(practitioner).auto_confirm
        past = [S.COMPLETED] * 6 + [S.NO_SHOW, S.CANCELLED] + ([S.REJECTED] if not auto else [])
        future = [S.CONFIRMED] * 3 + [S.CANCELLED] + ([S.REQUESTED] * 3 if not auto else [])
        if not auto:
            future.append(S.REJECTED)
        abroad = diary.abroad(practitioner)
        for offsets, outcomes, count in ((PAST_DAYS, past, (5, 8)), (FUTURE_DAYS, future, (3, 6))):
            for _ in range(diary.rng.randint(*count)):
                patient = diary.rng.choice([uk, uk, *at_home] if abroad else at_home)
                video = abroad and patient != uk
                diary.visit(
                    patient=patient,
                    practitioner=practitioner,
                    outcome=diary.rng.choice(outcomes),
                    offsets=offsets,
                    mode=VisitMode.VIDEO if video else None,
                )
    diary.reschedule(
        patient=at_home[0],
        practitioner=by_email["divya.nair"],
        first_offsets=range(3, 8),
        new_offsets=range(8, 16),
    )
    with transaction.atomic():
        diary.backdate()
    # The invented history was dated back after each booking: count it as it now stands.
    rollup_rebuild([p.pk for p in practitioners.values()])
    summary.appointments_created = len(diary.stamps)
