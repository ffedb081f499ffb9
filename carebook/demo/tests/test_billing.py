import pytest

from carebook.billing.models import Invoice, Payment
from carebook.booking.models import Appointment
from carebook.clinic.models import Clinic
from carebook.demo import logins
from carebook.demo.billing import seed_billing
from carebook.demo.seed import seed_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_demo_visits_are_invoiced_and_paid_once():
    seed_demo()
    seed_billing()
    done = Appointment.objects.filter(status=Appointment.Status.COMPLETED)
    assert done.exists()
    assert Invoice.objects.count() == done.count()
    assert not Invoice.objects.exclude(status=Invoice.Status.PAID).exists()
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == done.count()
    assert Invoice.objects.filter(patient__email=logins.PATIENT_LOGIN[0]).exists()
    for year in Invoice.objects.values_list("financial_year", flat=True).distinct():
        numbers = sorted(
            Invoice.objects.filter(financial_year=year).values_list("sequence_number", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))
    assert Invoice.objects.first().clinic_gstin == "29AAGCA4821K1Z6"
    assert Clinic.current().payment_at_booking
    assert seed_billing() == 0
