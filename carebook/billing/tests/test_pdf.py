from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.billing.pdf import credit_note_pdf, invoice_pdf, money, receipt_pdf
from carebook.billing.services import payment_record
from carebook.billing.tests.factories import completed, issued_invoice

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def test_invoice_pdf_shows_number_gstin_patient_and_totals(clinic):
    patient = PatientFactory(full_name="Priya Raman")
    invoice = issued_invoice(completed(patient=patient))
    text = text_of(invoice_pdf(invoice))
    assert "TAX INVOICE" in text
    assert invoice.number in text
    assert "GSTIN: 29AAGCA4821K1Z6" in text
    assert "Arogya Family Clinic" in text
    assert "Priya Raman" in text
    assert "₹500.00" in text  # consultation fee
    assert "₹550.00" in text  # taxable amount
    assert "CGST ₹49.50" in text and "SGST ₹49.50" in text  # each tax head, 9% of ₹550
    assert text.count("₹49.50") == 2
    assert "₹649.00" in text
    assert "SAC 999312 · 18%" in text and "CGST ₹45.00" in text  # the fee's line and its tax


def test_receipt_pdf_shows_the_payment_against_its_invoice(clinic):
    invoice = issued_invoice(completed(patient=PatientFactory(full_name="Anil Kumar")))
    payment = payment_record(
        invoice=invoice, method="upi", by=StaffFactory(), reference="UPI123456"
    )
    text = text_of(receipt_pdf(payment))
    assert "PAYMENT RECEIPT" in text
    assert payment.receipt_number in text
    assert invoice.number in text
    assert "Anil Kumar" in text
    assert "₹649.00" in text
    assert "UPI123456" in text
    # The invoice lists the payment too.
    assert "UPI123456" in text_of(invoice_pdf(invoice))


def test_credit_note_pdf(clinic):
    from carebook.billing.models import CreditNote

    invoice = issued_invoice()
    note = CreditNote.objects.create(
        number="CB-CN/2026-27/000001",
        financial_year="2026-27",
        sequence_number=1,
        invoice=invoice,
        amount=Decimal("649.00"),
        reason="Cancelled early",
        issued_at=invoice.issued_at,
    )
    text = text_of(credit_note_pdf(note))
    assert "CREDIT NOTE" in text and note.number in text and invoice.number in text
    assert "₹649.00" in text


def test_names_outside_latin1_print_whole(clinic):
    patient = PatientFactory(full_name="Zoë Ñandú अनिल")
    text = text_of(invoice_pdf(issued_invoice(completed(patient=patient))))
    assert "Zoë Ñandú अनिल" in text


def test_money_writes_the_currency_sign_in_its_locale():
    assert money("INR", Decimal("123456.5")) == "₹1,23,456.50"
    assert money("INR", Decimal("-0.40")) == "-₹0.40"
    assert money("GBP", Decimal("1829")) == "£1,829.00"
