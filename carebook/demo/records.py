"""Clinical records for the demo clinic's past visits: notes, prescriptions, reviews, admissions.

Idempotent: each visit gets its note, prescription or review only if it has none yet, and the
admissions and the demo patient's medical record are created once.
"""

import random
from datetime import timedelta

from django.db import transaction

from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.clinic.models import Practitioner
from carebook.core.timeutils import now as utcnow
from carebook.demo.logins import DEMO_DOMAIN, DOCTOR_LOGIN, PATIENT_LOGIN
from carebook.records.models import (
    Admission,
    MedicalRecord,
    Medicine,
    Prescription,
    Review,
    SessionNote,
)
from carebook.records.services import review_create

DOCTOR = DOCTOR_LOGIN[0]
PATIENT = PATIENT_LOGIN[0]

NOTES = [
    "History taken; vitals normal. Advised rest and fluids. Review in two weeks if no better.",
    "Symptoms improving since last visit. Continue current plan; repeat bloods next month.",
    "Examination unremarkable. Reassured the patient; discussed diet and exercise.",
    "BP 138/88. Lifestyle advice given; home BP log requested for the next visit.",
    "Mild tenderness on examination. Started on a short course; red flags explained.",
]
MEDICINES = [
    ("Paracetamol", "500 mg", "Three times a day after food", "5 days"),
    ("Cetirizine", "10 mg", "Once at night", "7 days"),
    ("Amoxicillin", "500 mg", "Three times a day", "5 days"),
    ("Pantoprazole", "40 mg", "Once daily before breakfast", "14 days"),
    ("Vitamin D3", "60,000 IU", "Once a week", "8 weeks"),
    ("Amlodipine", "5 mg", "Once daily, morning", "30 days"),
]
INSTRUCTIONS = [
    "Drink plenty of water. Come back if the fever lasts more than three days.",
    "Take with food. Avoid driving if drowsy.",
    "Complete the full course even if you feel better.",
]
COMMENTS = {
    5: ["Very thorough and kind. Explained everything clearly.", "Excellent, felt listened to."],
    4: ["Good consultation, a short wait.", "Helpful advice and clear prescription."],
    3: ["Fine, but the visit felt rushed.", ""],
    2: ["Waited 40 minutes past my time.", ""],
}


@transaction.atomic
def seed_records(*, now=None) -> dict[str, int]:
    """Add records to the demo clinic's past completed visits; returns what was created."""
    now = now or utcnow()
    made = {"notes": 0, "prescriptions": 0, "reviews": 0, "admissions": 0}
    visits = list(
        Appointment.objects.filter(
            status=Appointment.Status.COMPLETED,
            end__lt=now,
            practitioner__user__email__endswith=DEMO_DOMAIN,
        )
        .select_related("patient", "practitioner__user")
        .order_by("start", "pk")
    )
    for visit in visits:
        # Every choice drawn up front from a per-visit seed: the same on every run.
        rng = random.Random(visit.pk)
        note_text, instructions = rng.choice(NOTES), rng.choice(INSTRUCTIONS)
        medicines = rng.sample(MEDICINES, rng.randint(1, 3))
        rx_roll, review_roll = rng.random(), rng.random()
        rating = rng.choice([5, 5, 5, 4, 4, 4, 3, 2])
        comment = rng.choice(COMMENTS.get(rating, [""]))
        demo_patient = visit.patient.email == PATIENT
        if not SessionNote.objects.filter(appointment=visit).exists():
            SessionNote.objects.create(
                appointment=visit, author=visit.practitioner.user, text=note_text
            )
            made["notes"] += 1
        wants_rx = demo_patient or rx_roll < 0.6
        if wants_rx and not Prescription.objects.filter(appointment=visit).exists():
            rx = Prescription.objects.create(
                appointment=visit,
                patient=visit.patient,
                practitioner=visit.practitioner,
                instructions=instructions,
                issued_at=visit.end + timedelta(minutes=5),
                issued_by=visit.practitioner.user,
            )
            Medicine.objects.bulk_create(
                Medicine(prescription=rx, position=i, name=n, dose=d, frequency=f, duration=t)
                for i, (n, d, f, t) in enumerate(medicines)
            )
            made["prescriptions"] += 1
        # The demo patient's visit with the demo doctor stays unreviewed: theirs to rate.
        leave_for_demo = demo_patient and visit.practitioner.user.email == DOCTOR
        wants_review = not leave_for_demo and (demo_patient or review_roll < 0.55)
        if wants_review and not Review.objects.filter(appointment=visit).exists():
            review = review_create(
                appointment=visit, by=visit.patient, rating=rating, comment=comment
            )
            Review.objects.filter(pk=review.pk).update(created_at=visit.end + timedelta(hours=6))
            made["reviews"] += 1
    made["admissions"] = _seed_admissions(visits, now)
    _seed_medical_record()
    return made


def _seed_admissions(visits: list[Appointment], now) -> int:
    doctor = Practitioner.objects.filter(user__email=DOCTOR).first()
    if doctor is None or Admission.objects.filter(practitioner=doctor).exists():
        return 0
    patients = []
    for visit in visits:
        if visit.practitioner_id == doctor.pk and visit.patient.email != PATIENT:
            if visit.patient not in patients:
                patients.append(visit.patient)
    if not patients:
        return 0
    Admission.objects.create(
        patient=patients[0],
        practitioner=doctor,
        ward="General Ward B",
        room="Bed 12",
        reason="Dehydration with persistent vomiting; IV fluids and observation.",
        admitted_at=now - timedelta(days=1, hours=3),
        admitted_by=doctor.user,
    )
    if len(patients) < 2:
        return 1
    Admission.objects.create(
        patient=patients[1],
        practitioner=doctor,
        ward="General Ward A",
        room="Bed 4",
        reason="Community-acquired pneumonia; IV antibiotics.",
        admitted_at=now - timedelta(days=9),
        admitted_by=doctor.user,
        discharged_at=now - timedelta(days=5),
        discharge_summary="Improved on IV antibiotics, switched to oral. Review in one week.",
        discharged_by=doctor.user,
    )
    return 2


def _seed_medical_record() -> None:
    patient = User.objects.filter(email=PATIENT).first()
    if patient is None or MedicalRecord.objects.filter(patient=patient).exists():
        return
    MedicalRecord.objects.create(
        patient=patient,
        allergies="Penicillin: rash",
        conditions="Mild asthma (since childhood)",
        medications="Salbutamol inhaler as needed",
        updated_by=patient,
    )
