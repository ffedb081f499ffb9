"""Each location's currency and tax, end to end: booking, paying, the invoice, the review page."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from carebook.accounts.models import PatientProfile
from carebook.accounts.tests.factories import PatientFactory
from carebook.billing.tests.factories import issued_invoice, local_start, paid_booking
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Location
from carebook.clinic.tests.factories import LocationFactory

pytestmark = pytest.mark.django_db
D = Decimal


def london():
    location = LocationFactory(
        city="London",
        time_zone="Europe/London",
        currency="GBP",
        tax_regime="uk_vat",
        gst_state="",
        service_charge=D("2.50"),
        service_charge_tax_rate=D("20"),
        service_charge_tax_code="S",
    )
    cal = bookable_calendar(location=location, time_zone="Europe/London")
    cal.service.price, cal.service.tax_category, cal.service.tax_code = D("65"), "exempt", "E"
    cal.service.save()
    return cal


def london_ten(cal):
    """10:00 in London three days ahead."""
    return local_start(3, 12).astimezone(cal.location.tz).replace(hour=10, minute=0)


def test_a_london_booking_is_paid_in_pounds_with_no_gst():
    cal = london()
    visit = paid_booking(cal, start=london_ten(cal))
    invoice = visit.invoice
    assert (invoice.currency, invoice.tax_regime, invoice.total) == ("GBP", "uk_vat", D("68.00"))
    assert invoice.heads == [("VAT", D("0.50"))]
    assert invoice.cgst_amount == invoice.sgst_amount == invoice.igst_amount == 0
    assert invoice.round_off == 0 and invoice.clinic_gstin == ""
    payment = invoice.payments.get()
    assert payment.amount == D("68.00")
    consultation, charge = invoice.lines.order_by("position")
    assert (consultation.tax_category, consultation.vat_amount) == ("exempt", 0)
    assert (charge.tax_rate, charge.vat_amount) == (D("20"), D("0.50"))


def test_an_indian_consultation_is_exempt_and_the_charge_taxed_igst_across_states():
    mumbai = LocationFactory(city="Mumbai", gst_state="27", gstin="27AAGCA4821K1ZM")
    cal = bookable_calendar(location=mumbai)
    cal.service.tax_category, cal.service.tax_rate = "exempt", D("0")
    cal.service.save()
    kolkata = PatientFactory()
    PatientProfile.objects.update_or_create(user=kolkata, defaults={"state": "19"})
    from carebook.billing.tests.factories import completed

    invoice = issued_invoice(completed(cal, kolkata))
    assert (invoice.supplier_state, invoice.place_of_supply) == ("27", "19")
    assert invoice.untaxed_amount == invoice.consultation_fee
    assert (invoice.cgst_amount, invoice.sgst_amount, invoice.igst_amount) == (0, 0, D("9.00"))
    assert invoice.clinic_gstin == "27AAGCA4821K1ZM"
    neighbour = issued_invoice(completed(cal, PatientFactory(), days_ago=2))
    assert (neighbour.cgst_amount, neighbour.sgst_amount, neighbour.igst_amount) == (
        D("4.50"),
        D("4.50"),
        0,
    )


def test_the_review_page_shows_every_line_tax_total_and_the_policy(client):
    cal = london()
    patient = PatientFactory()
    client.force_login(patient)
    start = london_ten(cal)
    response = client.get(
        reverse("book"),
        {
            "practitioner": cal.practitioner.pk,
            "service": cal.service.pk,
            "location": cal.location.pk,
            "start": start.isoformat(),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("£65.00", "£2.50", "VAT @ 20%", "£0.50", "£68.00", "hours before it starts"):
        assert text in html, text
    assert "GST" not in html


@pytest.mark.parametrize(
    ("gstin", "state", "error"),
    [
        ("27AAGCA4821K1ZX", "27", "gstin"),  # wrong check character
        ("29AAGCA4821K1ZI", "27", "gstin"),  # registered in Karnataka
        ("", "", "gst_state"),
    ],
)
def test_a_location_under_gst_needs_its_state_and_a_valid_gstin(gstin, state, error):
    location = Location(
        name="X", address="Y", city="Z", currency="INR", gst_state=state, gstin=gstin
    )
    with pytest.raises(ValidationError) as raised:
        location.full_clean()
    assert error in raised.value.message_dict


def test_a_currency_must_be_iso_4217():
    with pytest.raises(ValidationError):
        Location(name="X", address="Y", city="Z", currency="RUPEES").full_clean()


def test_partial_credit_notes_never_take_back_more_tax_than_the_invoice_charged(monkeypatch):
    from carebook.accounts.tests.factories import StaffFactory
    from carebook.billing import ledger
    from carebook.billing.services import credit_note_issue, payment_record
    from carebook.billing.tests.factories import RecordingGateway, completed

    monkeypatch.setattr(ledger, "provider_get", lambda: RecordingGateway())
    cal = bookable_calendar()
    cal.service.price, cal.service.tax_category = D("0"), "exempt"  # only the ₹50 charge is taxed
    cal.service.save()
    invoice = issued_invoice(completed(cal))
    assert (invoice.total, invoice.cgst_amount, invoice.sgst_amount) == (
        D("59"),
        D("4.50"),
        D("4.50"),
    )
    staff = StaffFactory()
    payment_record(invoice=invoice, method="cash", by=staff)
    for amount in ("20", "20", "19"):
        credit_note_issue(invoice=invoice, amount=D(amount), reason="partial", by=staff)
    notes = invoice.credit_notes.all()
    assert sum(n.cgst_amount for n in notes) == D("4.50")
    assert sum(n.sgst_amount for n in notes) == D("4.50")
