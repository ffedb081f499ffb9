"""Safe prescribing: allergies shown and checked, an override kept, only prescribers prescribe."""

from io import BytesIO

import pytest
from django.test import Client
from pypdf import PdfReader

from carebook.accounts.models import PatientProfile
from carebook.clinic.models import Clinic, Practitioner
from carebook.core.access_log import AccessLog
from carebook.records.allergy import conflicts
from carebook.records.models import MedicalRecord, Prescription
from carebook.records.tests.factories import visit

pytestmark = pytest.mark.django_db


def names(found):
    return [(c.medicine, c.why) for c in found]


@pytest.mark.parametrize(
    ("medicine", "allergy", "why"),
    [
        ("Amoxicillin 500 mg", "Penicillin: anaphylaxis", "both penicillins"),
        ("Augmentin 625", "penicillins (rash)", "both penicillins"),
        ("Cefixime", "Penicillin: anaphylaxis", "cephalosporins can cross-react with penicillins"),
        ("Septran DS", "Sulfa drugs - hives", "both sulfonamides"),
        ("Ibuprofen", "Aspirin: asthma", "both nsaids"),
        ("Diclofenac gel", "NSAIDs", "both nsaids"),
        ("Paracetamol", "Paracetamol – rash", "the same medicine"),
    ],
)
def test_a_medicine_matches_an_allergy_by_name_or_class(medicine, allergy, why):
    assert names(conflicts([medicine], [allergy])) == [(medicine, why)]


@pytest.mark.parametrize(
    ("medicine", "allergy"),
    [
        ("Paracetamol", "Penicillin: anaphylaxis"),
        ("Azithromycin", "Dust mites"),
        ("Cetirizine", ""),
    ],
)
def test_unrelated_medicines_pass(medicine, allergy):
    assert conflicts([medicine], [allergy]) == []


def data(**extra):
    return {
        "med-TOTAL_FORMS": "1",
        "med-INITIAL_FORMS": "0",
        "med-0-name": "Amoxicillin",
        "med-0-dose": "500 mg",
        "med-0-frequency": "Three times a day",
        "med-0-duration": "5 days",
        **extra,
    }


@pytest.fixture
def sameer():
    done = visit()
    MedicalRecord.objects.create(
        patient=done.patient,
        allergies="Penicillin: anaphylaxis",
        conditions="Asthma",
        medications="Salbutamol inhaler",
    )
    PatientProfile.objects.update_or_create(
        user=done.patient, defaults={"gender": "male", "date_of_birth": "2001-02-27"}
    )
    practitioner = done.practitioner
    practitioner.registration_number, practitioner.registration_council = (
        "KMC 12345",
        "Karnataka Medical Council",
    )
    practitioner.save()
    return done


def test_prescribing_against_an_allergy_warns_and_keeps_the_reason(sameer):
    client = Client()
    client.force_login(sameer.practitioner.user)
    url = f"/records/appointments/{sameer.pk}/prescribe/"
    page = client.get(url).content.decode()
    assert "Penicillin: anaphylaxis" in page and "Asthma" in page and "Salbutamol" in page
    assert AccessLog.objects.filter(patient_id=sameer.patient_id).exists()  # a clinical read
    warned = client.post(url, data())
    assert warned.status_code == 400 and not Prescription.objects.exists()
    assert (
        "Allergy warning" in warned.content.decode()
        and "both penicillins" in warned.content.decode()
    )
    issued = client.post(url, data(override_reason="Desensitised in 2025; allergist agrees"))
    assert issued.status_code == 302
    rx = Prescription.objects.get()
    assert rx.override_reason == "Desensitised in 2025; allergist agrees"
    assert "Penicillin: anaphylaxis" in rx.allergy_warnings
    text = "\n".join(
        p.extract_text()
        for p in PdfReader(
            BytesIO(client.get(f"/records/prescriptions/{rx.pk}/pdf/").content)
        ).pages
    )
    for expected in ("KMC 12345, Karnataka Medical Council", "sex male", "Age ", "Desensitised"):
        assert expected in text, expected


def test_only_practitioner_types_allowed_to_prescribe_can(sameer):
    practitioner = sameer.practitioner
    practitioner.kind = Practitioner.Kind.THERAPIST
    practitioner.save()
    client = Client()
    client.force_login(practitioner.user)
    url = f"/records/appointments/{sameer.pk}/prescribe/"
    refused = client.post(url, data(**{"med-0-name": "Paracetamol"}))
    assert refused.status_code == 400 and "does not prescribe" in refused.content.decode()
    Clinic.objects.filter(pk=Clinic.current().pk).update(therapists_prescribe=True)
    assert client.post(url, data(**{"med-0-name": "Paracetamol"})).status_code == 302
