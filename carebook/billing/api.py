"""Invoices of the caller: a patient's own, a practitioner's patients', or (staff) all."""

from typing import Annotated

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Path, Query, Router, Status
from ninja.errors import ValidationError

from carebook.billing import pdf
from carebook.billing.forms import PayForm
from carebook.billing.models import Invoice, Payment
from carebook.billing.schemas import (
    CreditNoteOut,
    InvoiceFilters,
    InvoiceLineOut,
    InvoiceOut,
    InvoicePage,
    PayIn,
    PaymentOut,
    PayOut,
    RefundIn,
    RefundOut,
)
from carebook.billing.selectors import invoice_get_for, invoice_search
from carebook.billing.services import credit_note_issue, payment_checkout
from carebook.billing.views import document_filename, pdf_response
from carebook.booking.selectors import appointment_get_for
from carebook.core.idempotency import idempotent
from carebook.core.money import to_minor
from carebook.core.schemas import MAX_ID, ErrorOut, ValidationErrorOut, paginate, stable_order

router = Router(tags=["invoices"])
# Paying for a held appointment sits beside the appointment's other actions.
payments = Router(tags=["appointments"])

InvoiceId = Annotated[int, Path(ge=1, le=MAX_ID, description="Invoice id")]
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def payment_out(p: Payment) -> PaymentOut:
    return PaymentOut(
        id=p.pk,
        method=p.method,
        amount=p.amount,
        status=p.status,
        provider_transaction_id=p.provider_transaction_id,
        created_at=p.created_at,
        receipt_number=p.receipt_number,
        message=p.message,
    )


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
        currency=invoice.currency,
        tax_regime=invoice.tax_regime,
        place_of_supply=invoice.place_of_supply,
        lines=[
            InvoiceLineOut(
                kind=line.kind,
                description=line.description,
                tax_code=line.tax_code,
                tax_category=line.tax_category,
                tax_rate=line.tax_rate,
                place_of_supply=line.place_of_supply,
                value=line.value,
                tax=dict(line.head_columns),
            )
            for line in invoice.lines.select_related("invoice")
        ],
        consultation_fee=invoice.consultation_fee,
        service_charge=invoice.service_charge,
        taxable_amount=invoice.taxable_amount,
        untaxed_amount=invoice.untaxed_amount,
        tax=dict(invoice.heads),
        round_off=invoice.round_off,
        total=invoice.total,
        paid=to_minor(invoice.paid_amount, invoice.currency),
        refunded=to_minor(invoice.refunded_amount, invoice.currency),
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
                id=n.pk,
                number=n.number,
                amount=n.amount,
                tax=dict(n.heads),
                reason=n.reason,
                issued_at=n.issued_at,
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
    """The caller's invoices, newest first unless `sort` says otherwise: a patient's own, staff
    every invoice."""
    qs = invoice_search(
        user=request.auth,
        status=filters.status or "",
        financial_year=filters.financial_year or "",
    ).prefetch_related("payments", "credit_notes")
    fields, rows = paginate(
        qs.order_by(*stable_order(filters.sort)), page=filters.page, per_page=filters.per_page
    )
    return InvoicePage(**fields, results=[invoice_out(i) for i in rows])


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


@router.post(
    "/{invoice_id}/refund",
    response={
        201: RefundOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut,
    },
    summary="Refund (staff)",
)
@idempotent
def invoice_refund(request: HttpRequest, invoice_id: InvoiceId, payload: RefundIn):
    """Refund all or part of what an invoice received, by credit note (staff only).

    Money paid online goes back through the gateway; nothing left to refund answers 409, an
    amount above what is left 422.
    """
    invoice = visible_or_404(request, invoice_id)
    note = credit_note_issue(
        invoice=invoice, amount=payload.amount, reason=payload.reason, by=request.auth
    )
    return Status(
        201,
        RefundOut(
            id=note.pk,
            invoice_id=note.invoice_id,
            number=note.number,
            amount=note.amount,
            tax=dict(note.heads),
            reason=note.reason,
            issued_at=note.issued_at,
            refund_status=note.refund_status,
            refund_reference=note.refund_reference,
        ),
    )


@payments.post(
    "/{appointment_id}/pay",
    response={
        200: PayOut,
        400: ErrorOut,
        401: ErrorOut,
        402: PayOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut,
    },
    summary="Pay for a held appointment",
)
@idempotent
def appointment_pay(
    request: HttpRequest,
    appointment_id: Annotated[int, Path(ge=1, le=MAX_ID, description="Appointment id")],
    payload: PayIn,
):
    """Pay online for an appointment held while the patient pays (`payment_due`); success books
    it (requested, or confirmed) and issues the invoice.

    Card and UPI details are checked first, as the web form checks them: a card number that
    fails the Luhn check, an expiry in the past, a security code of the wrong length or a
    malformed UPI id answer 422 with the field's error (`type`: incorrect_number, expired_card,
    invalid_expiry, invalid_cvc, invalid_vpa or required), and nothing is charged. Declined:
    402 with the failed payment and its `message` (the gateway's reason), and the hold stays
    until it expires. The hold gone (expired, or released because the gateway timed out): 409.
    """
    appointment = appointment_get_for(user=request.auth, pk=appointment_id, door="rest")
    if appointment is None:
        raise Http404
    form = PayForm(payload.dict())
    if not form.is_valid():
        # Before any gateway call: 422 with one error per field, as the web form shows them.
        raise ValidationError(
            [
                {"loc": ["body", "payload", name], "msg": " ".join(e.messages), "type": e.code}
                for name, errors in form.errors.as_data().items()
                for e in errors
            ]
        )
    checkout = payment_checkout(appointment=appointment, details=form.details(), by=request.auth)
    appointment.refresh_from_db()
    body = PayOut(
        appointment_id=appointment.pk,
        appointment_status=appointment.status,
        invoice_id=checkout.payment.invoice_id,
        payment=payment_out(checkout.payment),
    )
    return Status(402 if checkout.declined else 200, body)
