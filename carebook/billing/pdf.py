"""Invoices and receipts as PDF, drawn with fpdf2.

Font: fpdf2's built-in Helvetica (a PDF core font), so the files need no font on the server and
their text extracts cleanly. Core fonts cover Latin-1 only, so amounts are written "Rs. 1,180.00"
(no ₹ glyph) and any other character is transliterated or replaced by "?" (see `_latin1`).
"""

import unicodedata
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from carebook.billing.models import CreditNote, Invoice, Payment
from carebook.billing.money import format_inr
from carebook.core.timeutils import zone

_REPLACEMENTS = {
    "₹": "Rs.",
    "–": "-",
    "—": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "•": "*",
    "…": "...",
    "←": "<-",
    "→": "->",
}


def _latin1(text) -> str:
    """Text the core fonts can draw: known symbols spelled out, accents kept, the rest '?'."""
    text = str(text)
    for char, plain in _REPLACEMENTS.items():
        text = text.replace(char, plain)
    out = []
    for ch in text:
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


def rs(amount: Decimal) -> str:
    return format_inr(amount, symbol="Rs. ")


class _Doc(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_title(_latin1(title))
        self.set_author("carebook")
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_page()

    def line_text(self, text, *, size=10, style="", align="L", h=5.5):
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, h, _latin1(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pair(self, label, value, *, bold=False, width=60):
        self.set_font("Helvetica", "B" if bold else "", 10)
        x = self.w - self.r_margin - width - 70
        self.set_x(x)
        self.cell(70, 6.5, _latin1(label), border=0)
        self.cell(width, 6.5, _latin1(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def rule(self):
        y = self.get_y() + 1.5
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_y(y + 2.5)

    def header_block(self, invoice: Invoice, title: str):
        self.line_text(invoice.clinic_name, size=16, style="B", h=8)
        if invoice.clinic_address:
            self.line_text(invoice.clinic_address, size=9, h=4.5)
        self.line_text(f"GSTIN: {invoice.clinic_gstin or 'not registered'}", size=9, h=4.5)
        self.ln(3)
        self.line_text(title, size=14, style="B", h=7)
        self.rule()


def _visit_time(invoice: Invoice) -> str:
    local = invoice.visit_at.astimezone(zone(invoice.visit_time_zone))
    return f"{local:%d %b %Y, %H:%M} ({invoice.visit_time_zone})"


def _issued(moment, tz_name: str) -> str:
    return f"{moment.astimezone(zone(tz_name)):%d %b %Y}"


def invoice_pdf(invoice: Invoice) -> bytes:
    """The tax invoice as a PDF, with its payments and credit notes listed under it."""
    doc = _Doc(f"Tax invoice {invoice.number}")
    doc.header_block(invoice, "TAX INVOICE")
    tz = invoice.visit_time_zone
    doc.line_text(f"Invoice no.: {invoice.number}", style="B")
    doc.line_text(f"Date of issue: {_issued(invoice.issued_at, tz)}")
    doc.line_text(f"Financial year: {invoice.financial_year}")
    doc.ln(2)
    doc.line_text(f"Billed to: {invoice.patient_name}", style="B")
    if invoice.patient_email:
        doc.line_text(invoice.patient_email, size=9)
    doc.line_text(f"Practitioner: {invoice.practitioner_name}")
    doc.line_text(f"Visit: {_visit_time(invoice)}")
    doc.line_text("Place of supply: same state as the clinic (intra-state: CGST + SGST)", size=9)
    doc.rule()
    doc.set_font("Helvetica", "B", 10)
    doc.cell(120, 6.5, "Description")
    doc.cell(0, 6.5, "Amount", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font("Helvetica", "", 10)
    for label, amount in (
        (f"Consultation fee - {invoice.description}", invoice.consultation_fee),
        ("Service charge", invoice.service_charge),
    ):
        doc.cell(140, 6.5, _latin1(label)[:80])
        doc.cell(0, 6.5, rs(amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.rule()
    doc.pair("Taxable amount", rs(invoice.taxable_amount))
    doc.pair(f"CGST @ {invoice.cgst_rate.normalize():f}%", rs(invoice.cgst_amount))
    doc.pair(f"SGST @ {invoice.sgst_rate.normalize():f}%", rs(invoice.sgst_amount))
    doc.pair("Round off", rs(invoice.round_off))
    doc.pair("Total", rs(invoice.total), bold=True)
    doc.ln(2)
    payments = list(invoice.payments.filter(status=Payment.Status.SUCCEEDED).order_by("pk"))
    notes = list(invoice.credit_notes.order_by("pk"))
    if payments:
        doc.line_text("Payments received", style="B")
        for p in payments:
            ref = f", ref {p.provider_transaction_id}" if p.provider_transaction_id else ""
            doc.line_text(
                f"{_issued(p.completed_at or p.created_at, tz)}  {p.get_method_display()}"
                f"  {rs(p.amount)}{ref}",
                size=9,
            )
    if notes:
        doc.line_text("Credit notes (refunds)", style="B")
        for n in notes:
            doc.line_text(f"{n.number}  {_issued(n.issued_at, tz)}  {rs(n.amount)}", size=9)
    doc.ln(4)
    doc.line_text("This is a computer-generated invoice and needs no signature.", size=8, align="C")
    return bytes(doc.output())


def receipt_pdf(payment: Payment) -> bytes:
    """A payment receipt for one succeeded payment."""
    invoice = payment.invoice
    doc = _Doc(f"Receipt {payment.receipt_number}")
    doc.header_block(invoice, "PAYMENT RECEIPT")
    tz = invoice.visit_time_zone
    doc.line_text(f"Receipt no.: {payment.receipt_number}", style="B")
    doc.line_text(f"Date: {_issued(payment.completed_at or payment.created_at, tz)}")
    doc.line_text(f"Received from: {invoice.patient_name}", style="B")
    doc.line_text(f"Against invoice: {invoice.number} (total {rs(invoice.total)})")
    doc.line_text(f"Visit: {invoice.practitioner_name}, {_visit_time(invoice)}")
    doc.rule()
    doc.pair("Amount received", rs(payment.amount), bold=True)
    doc.pair("Method", payment.get_method_display())
    if payment.payer_hint:
        doc.pair("Paid with", payment.payer_hint)
    if payment.provider_transaction_id:
        doc.pair("Transaction id", payment.provider_transaction_id, width=80)
    doc.ln(4)
    doc.line_text("Thank you. This is a computer-generated receipt.", size=8, align="C")
    return bytes(doc.output())


def credit_note_pdf(note: CreditNote) -> bytes:
    invoice = note.invoice
    doc = _Doc(f"Credit note {note.number}")
    doc.header_block(invoice, "CREDIT NOTE")
    tz = invoice.visit_time_zone
    doc.line_text(f"Credit note no.: {note.number}", style="B")
    doc.line_text(f"Date: {_issued(note.issued_at, tz)}")
    doc.line_text(f"Issued to: {invoice.patient_name}", style="B")
    doc.line_text(f"Against invoice: {invoice.number} dated {_issued(invoice.issued_at, tz)}")
    doc.line_text(f"Reason: {note.reason}")
    doc.rule()
    doc.pair("Amount credited", rs(note.amount), bold=True)
    if note.refund_reference:
        doc.pair("Refund reference", note.refund_reference, width=80)
    return bytes(doc.output())
