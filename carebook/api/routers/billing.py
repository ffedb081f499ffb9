"""Invoices of the caller: a patient's own, a practitioner's patients', or (staff) all."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema

from carebook.api.schemas import MAX_ID, ErrorOut, Page, ValidationErrorOut
from carebook.billing import pdf
from carebook.billing.models import Invoice, Payment
from carebook.billing.money import to_paise
from carebook.billing.selectors import invoice_get_for, invoice_search
from carebook.billing.views import document_filename, pdf_response

router = Router(tags=["invoices"])

# Its own name in the schema: Appointment.Status is already "Status" there.
InvoiceStatus = StrEnum("InvoiceStatus", {v.upper(): v for v in Invoice.Status.values})
InvoiceId = Annotated[int, Path(ge=1, le=MAX_ID, description="Invoice id")]
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class PaymentOut(Schema):
    id: int
    method: str
    amount: Decimal
    status: str
    provider_transaction_id: str
    created_at: datetime
    receipt_number: str


class CreditNoteOut(Schema):
    id: int
    number: str
    amount: Decimal
    reason: str
    issued_at: datetime


class InvoiceOut(Schema):
    id: int
    number: str = Field(examples=["CB/2026-27/000123"])
    financial_year: str = Field(examples=["2026-27"])
    status: InvoiceStatus
    appointment_id: int
    patient_id: int
    patient_name: str
    practitioner_id: int
    practitioner_name: str
    description: str
    visit_at: datetime
    clinic_name: str
    clinic_address: str
    clinic_gstin: str
    consultation_fee: Decimal
    service_charge: Decimal
    taxable_amount: Decimal
    gst_rate: Decimal
    cgst_rate: Decimal
    sgst_rate: Decimal
    cgst_amount: Decimal
    sgst_amount: Decimal
    round_off: Decimal
    total: Decimal
    paid: Decimal
    refunded: Decimal
    issued_at: datetime
    payments: list[PaymentOut]
    credit_notes: list[CreditNoteOut]


class InvoicePage(Page):
    results: list[InvoiceOut]


class InvoiceFilters(Schema):
    status: InvoiceStatus | None = None
    financial_year: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", examples=["2026-27"])
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100)


def invoice_out(invoice: Invoice) -> InvoiceOut:
    payments = [p for p in invoice.payments.all() if p.status == Payment.Status.SUCCEEDED]
    return InvoiceOut(
        id=invoice.pk,
        number=invoice.number,
        financial_year=invoice.financial_year,
        status=invoice.status,
        appointment_id=invoice.appointment_id,
        patient_id=invoice.patient_id,
        patient_name=invoice.patient_name,
        practitioner_id=invoice.practitioner_id,
        practitioner_name=invoice.practitioner_name,
        description=invoice.description,
        visit_at=invoice.visit_at,
        clinic_name=invoice.clinic_name,
        clinic_address=invoice.clinic_address,
        clinic_gstin=invoice.clinic_gstin,
        consultation_fee=invoice.consultation_fee,
        service_charge=invoice.service_charge,
        taxable_amount=invoice.taxable_amount,
        gst_rate=invoice.gst_rate,
        cgst_rate=invoice.cgst_rate,
        sgst_rate=invoice.sgst_rate,
        cgst_amount=invoice.cgst_amount,
        sgst_amount=invoice.sgst_amount,
        round_off=invoice.round_off,
        total=invoice.total,
        paid=to_paise(invoice.paid_amount),
        refunded=to_paise(invoice.refunded_amount),
        issued_at=invoice.issued_at,
        payments=[
            PaymentOut(
                id=p.pk,
                method=p.method,
                amount=p.amount,
                status=p.status,
                provider_transaction_id=p.provider_transaction_id,
                created_at=p.created_at,
                receipt_number=p.receipt_number,
            )
            for p in payments
        ],
        credit_notes=[
            CreditNoteOut(
                id=n.pk, number=n.number, amount=n.amount, reason=n.reason, issued_at=n.issued_at
            )
            for n in invoice.credit_notes.all()
        ],
    )


def visible_or_404(request: HttpRequest, pk: int) -> Invoice:
    invoice = invoice_get_for(user=request.auth, pk=pk)
    if invoice is None:
        raise Http404
    return invoice


@router.get(
    "",
    response={200: InvoicePage, 401: ErrorOut, 422: ValidationErrorOut},
    summary="My invoices",
)
def invoice_list(request: HttpRequest, filters: Query[InvoiceFilters]):
    """The caller's invoices, newest first: a patient's own, staff every invoice."""
    qs = invoice_search(
        user=request.auth,
        status=filters.status or "",
        financial_year=filters.financial_year or "",
    ).prefetch_related("payments", "credit_notes")
    page = Paginator(qs, filters.per_page).get_page(filters.page)
    return InvoicePage(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        per_page=filters.per_page,
        results=[invoice_out(i) for i in page.object_list],
    )


@router.get("/{invoice_id}", response={200: InvoiceOut, **READ_ERRORS}, summary="One invoice")
def invoice_detail(request: HttpRequest, invoice_id: InvoiceId):
    """An invoice the caller may see, with its payments and credit notes; anyone else's is 404."""
    return invoice_out(visible_or_404(request, invoice_id))


@router.get(
    "/{invoice_id}/pdf",
    response={200: None, **READ_ERRORS},
    summary="The invoice as PDF",
    openapi_extra={
        "responses": {
            200: {
                "description": "The tax invoice",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def invoice_pdf(request: HttpRequest, invoice_id: InvoiceId) -> HttpResponse:
    """The tax invoice as a PDF file."""
    invoice = visible_or_404(request, invoice_id)
    return pdf_response(pdf.invoice_pdf(invoice), document_filename("invoice", invoice.number))
