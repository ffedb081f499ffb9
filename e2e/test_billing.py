"""Paying at booking with the simulated gateway, then downloading the invoice."""

import pytest
from playwright.sync_api import expect

from carebook.billing.models import Invoice, Payment
from carebook.billing.tests.factories import demo_clinic, pay_at_booking
from carebook.booking.models import Appointment
from e2e.helpers import clinic_with_cardiologist, log_in, patient

pytestmark = pytest.mark.django_db(transaction=True)


def test_patient_pays_at_booking_and_downloads_the_invoice(new_page, shot):
    demo_clinic()
    pay_at_booking()
    cal = clinic_with_cardiologist()
    asha = patient(full_name="Asha Rao")
    page = new_page()
    log_in(page, asha.email)

    page.goto(f"/practitioners/{cal.practitioner.pk}/")
    page.locator("a.slot").first.click()
    expect(page.get_by_role("heading", name="Review your booking")).to_be_visible()
    page.get_by_label("In person").check()
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", name="Pay for your visit")).to_be_visible()
    assert Appointment.objects.get().status == Appointment.Status.HELD
    shot(page, "1-pay")
    page.get_by_label("Card", exact=True).check()
    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.get_by_label("Expiry (MM/YY)").fill("12/30")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay ₹649.00").click()
    expect(page.get_by_text("The card was declined.")).to_be_visible()
    shot(page, "2-declined")

    page.get_by_label("Card number").fill("4111 1111 1111 1111")
    page.get_by_label("Security code").fill("123")
    page.get_by_role("button", name="Pay ₹649.00").click()
    expect(page.get_by_text("Payment received")).to_be_visible()
    shot(page, "3-paid")
    appointment = Appointment.objects.get()
    assert appointment.status == Appointment.Status.REQUESTED
    invoice = Invoice.objects.get(appointment=appointment)
    assert Payment.objects.get(status="succeeded").provider_transaction_id.startswith("sim_txn_")

    page.goto(f"/appointments/{appointment.pk}/")
    expect(page.get_by_text(invoice.number)).to_be_visible()
    shot(page, "4-appointment")
    link = page.get_by_role("link", name="Download invoice (PDF)")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == f"invoice-{invoice.number.replace('/', '-')}.pdf"
    with open(info.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
