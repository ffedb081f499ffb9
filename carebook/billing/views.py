"""Billing pages: pay for a held slot, invoices for patients and staff, PDFs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carebook.billing import pdf, selectors, services
from carebook.billing.forms import (
    BillingSettingsForm,
    InvoiceFilterForm,
    PayForm,
    RecordPaymentForm,
    RefundForm,
)
from carebook.billing.models import BillingSettings
from carebook.booking.models import Appointment
from carebook.booking.selectors import appointment_get_for
from carebook.clinic.models import Clinic, Location
from carebook.core.decorators import staff_required
from carebook.core.doors import paginate
from carebook.core.errors import DomainError, SlotUnavailable
from carebook.core.timeutils import local_day_bounds, zone
from carebook.core.timeutils import now as utcnow

PER_PAGE = 25


def _visible_appointment(request, pk: int) -> Appointment:
    appointment = appointment_get_for(user=request.user, pk=pk, door="")
    if appointment is None:
        raise Http404
    return appointment


def _hold_gone(request, appointment: Appointment, message: str):
    return render(
        request, "billing/hold_gone.html", {"a": appointment, "message": message}, status=409
    )


@login_required
def pay(request, appointment_id: int):
    """Pay for a held slot by card or UPI; success books it and issues the invoice."""
    appointment = _visible_appointment(request, appointment_id)
    now = utcnow()
    if appointment.status != Appointment.Status.HELD:
        if appointment.is_active:
            return redirect("appointment_done", appointment.pk)
        return _hold_gone(
            request, appointment, _("The time we kept for you has run out. Please pick again.")
        )
    if appointment.held_until <= now:
        return _hold_gone(
            request, appointment, _("The time we kept for you has run out. Please pick again.")
        )
    form = PayForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                checkout = services.payment_checkout(
                    appointment=appointment, details=form.details(), by=request.user
                )
            except SlotUnavailable as exc:
                return _hold_gone(request, appointment, exc.message)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                if not checkout.declined:
                    messages.success(
                        request,
                        _("Payment received. Your invoice is %(number)s.")
                        % {"number": checkout.invoice.number},
                    )
                    return redirect("appointment_done", appointment.pk)
                form.add_error(
                    None,
                    _("%(why)s Nothing was charged; you can try again or use another method.")
                    % {"why": checkout.payment.message},
                )
        status = 400
    return render(
        request,
        "billing/pay.html",
        {
            "a": appointment,
            "form": form,
            "quote": selectors.invoice_quote(appointment=appointment),
            "minutes_left": max(int((appointment.held_until - now).total_seconds() // 60), 0),
        },
        status=status,
    )


@staff_required
def invoices(request):
    """Every invoice, filtered, with what each brought in and the totals of the selection."""
    form = InvoiceFilterForm(request.GET or None, years=selectors.financial_years())
    filters = form.cleaned_data if form.is_valid() else {}
    tz = zone("Asia/Kolkata")
    start, end = filters.get("start"), filters.get("end")
    qs = selectors.invoice_search(
        user=request.user,
        q=filters.get("q", ""),
        status=filters.get("status", ""),
        financial_year=filters.get("financial_year", ""),
        start=local_day_bounds(start, tz)[0] if start else None,
        end=local_day_bounds(end, tz)[1] if end else None,
    )
    page, query = paginate(request, qs, PER_PAGE)
    return render(
        request,
        "billing/invoices.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "revenues": selectors.invoice_revenue(qs),
        },
    )


def _invoice_or_404(request, pk: int):
    invoice = selectors.invoice_get_for(user=request.user, pk=pk)
    if invoice is None:
        raise Http404
    return invoice


def _invoice_page(request, invoice, *, refund_form=None, status=200):
    outstanding = invoice.total - invoice.paid_amount
    refundable = invoice.paid_amount - invoice.refunded_amount
    record_form = None
    if request.user.is_staff and outstanding > 0 and invoice.refunded_amount == 0:
        record_form = RecordPaymentForm(initial={"amount": outstanding})
    if request.user.is_staff and refundable > 0 and refund_form is None:
        refund_form = RefundForm()
    return render(
        request,
        "billing/invoice.html",
        {
            "invoice": invoice,
            "a": invoice.appointment,
            "lines": invoice.lines.select_related("invoice"),
            "payments": invoice.payments.order_by("pk"),
            "credit_notes": invoice.credit_notes.order_by("pk"),
            "outstanding": max(outstanding, 0),
            "refundable": max(refundable, 0),
            "record_form": record_form,
            "refund_form": refund_form if request.user.is_staff and refundable > 0 else None,
        },
        status=status,
    )


@login_required
def invoice_detail(request, pk: int):
    """The invoice, its payments and credit notes; staff get the payment and refund forms."""
    return _invoice_page(request, _invoice_or_404(request, pk))


@login_required
def appointment_invoice(request, appointment_id: int):
    """The invoice of an appointment: GET opens it, POST issues it (staff for a booked or
    completed visit; the patient or practitioner for a completed one)."""
    appointment = _visible_appointment(request, appointment_id)
    invoice = selectors.invoice_for_appointment(user=request.user, appointment_id=appointment.pk)
    if invoice is not None:
        return redirect("billing:invoice", invoice.pk)
    if request.method != "POST":
        if appointment.status != Appointment.Status.COMPLETED:
            raise Http404
        return redirect("appointment", appointment.pk)  # where the button to issue it is
    try:
        invoice = services.invoice_issue(appointment=appointment, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("appointment", appointment.pk)
    messages.success(request, _("Invoice %(n)s issued.") % {"n": invoice.number})
    return redirect("billing:invoice", invoice.pk)


@staff_required
@require_POST
def payment_record(request, pk: int):
    invoice = _invoice_or_404(request, pk)
    form = RecordPaymentForm(request.POST)
    if form.is_valid():
        try:
            services.payment_record(
                invoice=invoice,
                method=form.cleaned_data["method"],
                amount=form.cleaned_data["amount"],
                reference=form.cleaned_data["reference"],
                by=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Payment recorded."))
    else:
        messages.error(request, _("Please check the payment details."))
    return redirect("billing:invoice", invoice.pk)


@staff_required
@require_POST
def refund(request, pk: int):
    """Refund all or part of what the invoice received, by credit note."""
    invoice = _invoice_or_404(request, pk)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            note = services.credit_note_issue(
                invoice=invoice,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Credit note %(n)s issued: %(status)s.")
                % {"n": note.number, "status": note.get_refund_status_display().lower()},
            )
            return redirect("billing:invoice", invoice.pk)
    return _invoice_page(request, invoice, refund_form=form, status=400)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def document_filename(kind: str, number: str) -> str:
    return f"{kind}-{number.replace('/', '-')}.pdf"


@login_required
def invoice_pdf(request, pk: int):
    invoice = _invoice_or_404(request, pk)
    return pdf_response(pdf.invoice_pdf(invoice), document_filename("invoice", invoice.number))


@login_required
def receipt_pdf(request, pk: int):
    payment = selectors.payment_get_for(user=request.user, pk=pk)
    if payment is None:
        raise Http404
    return pdf_response(pdf.receipt_pdf(payment), f"receipt-{payment.receipt_number}.pdf")


@login_required
def credit_note_pdf(request, pk: int):
    note = selectors.credit_note_get_for(user=request.user, pk=pk)
    if note is None:
        raise Http404
    return pdf_response(pdf.credit_note_pdf(note), document_filename("credit-note", note.number))


@staff_required
def billing_settings(request):
    """The clinic's billing rules (when patients pay, refunds), and each location's money."""
    form = BillingSettingsForm(
        request.POST or None,
        instance=BillingSettings.current(),
        payment_at_booking=Clinic.current().payment_at_booking,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.billing_settings_update(
                    settings=form.instance,
                    payment_at_booking=form.payment_at_booking,
                    by=request.user,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Billing settings saved."))
                return redirect("billing:settings")
        return render(request, "billing/settings.html", _settings_context(form), status=400)
    return render(request, "billing/settings.html", _settings_context(form))


def _settings_context(form) -> dict:
    return {"form": form, "locations": Location.objects.order_by("city", "name")}
