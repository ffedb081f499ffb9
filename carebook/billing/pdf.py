"""Invoices and receipts as PDF, drawn with fpdf2.

Fonts: the Noto families carebook ships (`carebook.core.pdf_fonts`), shaped by HarfBuzz, so names,
addresses and descriptions print in their own script (Devanagari, Bengali, Tamil, Arabic, emoji,
Latin with accents), and amounts print with their currency's sign (₹1,180.00; see `money`).
"""

from decimal import Decimal

from fpdf.enums import XPos, YPos

from carebook.billing.models import CreditNote, Invoice, Payment
from carebook.core.money import format_money
from carebook.core.pdf_fonts import FAMILY, UnicodePDF
from carebook.core.timeutils import zone


def money(currency: str, amount: Decimal) -> str:
    """`amount` as the PDFs print it, by Babel in the currency's locale: "₹1,23,456.50" for INR
    (Indian digit grouping), "£1,829.00" for GBP."""
    return format_money(amount, currency)


class _Doc(UnicodePDF):
    def __init__(self, title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_title(title)
        self.set_author("carebook")
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.add_page()

    def line_text(self, text, *, size=10, style="", align="L", h=5.5):
        self.set_font(FAMILY, style, size)
        self.multi_cell(0, h, str(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pair(self, label, value, *, bold=False, width=60):
        self.set_font(FAMILY, "B" if bold else "", 10)
        x = self.w - self.r_margin - width - 70
        self.set_x(x)
        self.cell(70, 6.5, str(label), border=0)
        self.cell(width, 6.5, str(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def rule(self):
        y = self.get_y() + 1.5
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.set_y(y + 2.5)

    def header_block(self, invoice: Invoice, title: str):
        self.line_text(invoice.clinic_name, size=16, style="B", h=8)
        if invoice.clinic_address:
            self.line_text(invoice.clinic_address, size=9, h=4.5)
        if invoice.tax_regime == "india_gst":
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
    taxed = invoice.tax_regime != "none"
    doc = _Doc(f"{'Tax invoice' if taxed else 'Invoice'} {invoice.number}")
    doc.header_block(invoice, "TAX INVOICE" if taxed else "INVOICE")
    tz = invoice.visit_time_zone
    cur = invoice.currency
    doc.line_text(f"Invoice no.: {invoice.number}", style="B")
    doc.line_text(f"Date of issue: {_issued(invoice.issued_at, tz)}")
    doc.line_text(f"Financial year: {invoice.financial_year}")
    doc.ln(2)
    doc.line_text(f"Billed to: {invoice.patient_name}", style="B")
    if invoice.patient_email:
        doc.line_text(invoice.patient_email, size=9)
    doc.line_text(f"Practitioner: {invoice.practitioner_name}")
    doc.line_text(f"Visit: {_visit_time(invoice)}")
    if invoice.place_of_supply:
        supply = "intra-state: CGST + SGST"
        if invoice.place_of_supply != invoice.supplier_state:
            supply = "inter-state: IGST"
        doc.line_text(f"Place of supply: {invoice.place_of_supply_name} ({supply})", size=9)
    doc.rule()
    doc.set_font(FAMILY, "B", 10)
    doc.cell(120, 6.5, "Description")
    doc.cell(0, 6.5, "Value", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FAMILY, "", 10)
    code_name = "SAC" if invoice.tax_regime == "india_gst" else "Code"
    for line in invoice.lines.select_related("invoice"):
        doc.cell(140, 6.5, line.description[:80])
        doc.cell(0, 6.5, money(cur, line.value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        taxed_as = (
            f"{line.tax_rate.normalize():f}%"
            if line.tax_category == "taxable"
            else line.get_tax_category_display()
        )
        heads = ", ".join(
            f"{head} {money(cur, amount)}" for head, amount in line.head_columns if amount
        )
        detail = f"{code_name} {line.tax_code or '-'} · {taxed_as}" + (
            f" · {heads}" if heads else ""
        )
        doc.line_text(detail, size=8)
    doc.rule()
    doc.pair("Taxable value", money(cur, invoice.taxable_amount))
    if invoice.untaxed_amount:
        doc.pair("Exempt, nil-rated or out of scope", money(cur, invoice.untaxed_amount))
    for head, amount in invoice.heads:
        doc.pair(head, money(cur, amount))
    doc.pair("Round off", money(cur, invoice.round_off))
    doc.pair("Total", money(cur, invoice.total), bold=True)
    doc.ln(2)
    payments = list(invoice.payments.filter(status=Payment.Status.SUCCEEDED).order_by("pk"))
    notes = list(invoice.credit_notes.order_by("pk"))
    if payments:
        doc.line_text("Payments received", style="B")
        for p in payments:
            ref = f", ref {p.provider_transaction_id}" if p.provider_transaction_id else ""
            doc.line_text(
                f"{_issued(p.completed_at or p.created_at, tz)}  {p.get_method_display()}"
                f"  {money(cur, p.amount)}{ref}",
                size=9,
            )
    if notes:
        doc.line_text("Credit notes (refunds)", style="B")
        for n in notes:
            doc.line_text(f"{n.number}  {_issued(n.issued_at, tz)}  {money(cur, n.amount)}", size=9)
    doc.ln(4)
    doc.line_text("This is a computer-generated invoice and needs no signature.", size=8, align="C")
    return bytes(doc.output())


def receipt_pdf(payment: Payment) -> bytes:
    """A payment receipt for one succeeded payment."""
    invoice = payment.invoice
    doc = _Doc(f"Receipt {payment.receipt_number}")
    doc.header_block(invoice, "PAYMENT RECEIPT")
    tz = invoice.visit_time_zone
    cur = invoice.currency
    doc.line_text(f"Receipt no.: {payment.receipt_number}", style="B")
    doc.line_text(f"Date: {_issued(payment.completed_at or payment.created_at, tz)}")
    doc.line_text(f"Received from: {invoice.patient_name}", style="B")
    doc.line_text(f"Against invoice: {invoice.number} (total {money(cur, invoice.total)})")
    doc.line_text(f"Visit: {invoice.practitioner_name}, {_visit_time(invoice)}")
    doc.rule()
    doc.pair("Amount received", money(cur, payment.amount), bold=True)
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
    cur = invoice.currency
    doc.line_text(f"Credit note no.: {note.number}", style="B")
    doc.line_text(f"Date: {_issued(note.issued_at, tz)}")
    doc.line_text(f"Issued to: {invoice.patient_name}", style="B")
    doc.line_text(f"Against invoice: {invoice.number} dated {_issued(invoice.issued_at, tz)}")
    doc.line_text(f"Reason: {note.reason}")
    doc.rule()
    doc.pair("Amount credited", money(cur, note.amount), bold=True)
    if note.refund_reference:
        doc.pair("Refund reference", note.refund_reference, width=80)
    return bytes(doc.output())
