from decimal import Decimal

import pytest

from carebook.billing.models import CreditNote, Invoice, Payment
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
    assert not Invoice.objects.exclude(
        status__in=[Invoice.Status.PAID, Invoice.Status.PARTIALLY_REFUNDED]
    ).exists()
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == done.count()
    assert Invoice.objects.filter(patient__email=logins.PATIENT_LOGIN[0]).exists()
    for year in Invoice.objects.values_list("financial_year", flat=True).distinct():
        numbers = sorted(
            Invoice.objects.filter(financial_year=year).values_list("sequence_number", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))
    assert Clinic.current().payment_at_booking
    assert seed_billing() == 0
    # Each location's currency and tax (one seeding for both checks: seeding is the slow part).
    london = Invoice.objects.filter(appointment__location__city="London")
    india = Invoice.objects.exclude(appointment__location__city="London")
    assert london.exists() and india.exists()
    for invoice in london:
        assert (invoice.currency, invoice.tax_regime, invoice.clinic_gstin) == ("GBP", "uk_vat", "")
        assert invoice.cgst_amount == invoice.sgst_amount == invoice.igst_amount == 0
        consultation, charge = invoice.lines.order_by("position")
        assert consultation.tax_category == "exempt" and consultation.vat_amount == 0
        assert charge.vat_amount == Decimal("0.50")  # 20% of the £2.50 booking charge
    assert {i.clinic_gstin for i in india} == {"29AAGCA4821K1ZI", "27AAGCA4821K1ZM"}
    for invoice in india:
        assert invoice.currency == "INR" and invoice.untaxed_amount == invoice.consultation_fee
        # Each invoice carries its own location's GSTIN (Bengaluru 29…, Mumbai 27…).
        assert invoice.clinic_gstin == invoice.appointment.location.gstin != ""
        consultation, charge = invoice.lines.order_by("position")
        assert consultation.tax_category == "exempt" and consultation.tax_amount == 0
        assert charge.tax_amount == Decimal("9.00")  # 18% of ₹50, as CGST + SGST or IGST
    assert set(CreditNote.objects.values_list("invoice__currency", flat=True)) == {"GBP", "INR"}
