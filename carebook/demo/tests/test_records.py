import pytest

from carebook.demo.records import seed_records
from carebook.demo.seed import seed_demo
from carebook.records.models import Admission, Prescription, Review, SessionNote

pytestmark = pytest.mark.django_db


def test_seed_records_fills_past_visits_once():
    seed_demo()
    made = seed_records()
    assert made["notes"] and made["prescriptions"] and made["reviews"] and made["admissions"]
    assert Admission.objects.filter(discharged_at__isnull=True).exists()
    # The demo patient has a prescription and a visit still to review.
    rx = Prescription.objects.filter(patient__email="patient@carebook.test")
    assert rx.exists()
    assert rx.filter(appointment__review__isnull=True).exists()
    counts = [m.objects.count() for m in (SessionNote, Prescription, Review, Admission)]
    assert seed_records() == {"notes": 0, "prescriptions": 0, "reviews": 0, "admissions": 0}
    assert [m.objects.count() for m in (SessionNote, Prescription, Review, Admission)] == counts
