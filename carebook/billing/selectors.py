"""Reads of billing documents, always filtered to what the acting user may see."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.billing.models import BillingSettings, CreditNote, Invoice, Payment
from carebook.billing.money import Totals, invoice_totals
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.core.querysets import filter_given, visible_by_role

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=12, decimal_places=2)


def invoice_quote(*, appointment: Appointment, rules: BillingSettings | None = None) -> Totals:
    """What an invoice for this appointment would say if issued now."""
    rules = rules or BillingSettings.current()
    return invoice_totals(
        fee=appointment.price, service_charge=rules.service_charge, gst_rate=rules.gst_rate
    )


def _sum_of(model, field: str = "amount", **filters):
    rows = (
        model.objects.filter(invoice=OuterRef("pk"), **filters)
        .order_by()
        .values("invoice")
        .annotate(s=Sum(field))
        .values("s")
    )
    return Coalesce(Subquery(rows, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def _with_amounts(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return qs.annotate(
        paid_amount=_sum_of(Payment, status=Payment.Status.SUCCEEDED),
        refunded_amount=_sum_of(CreditNote),
    )


def invoice_visible_to(user: User) -> QuerySet[Invoice]:
    """Staff see every invoice, a practitioner their patients' visits', a patient their own."""
    qs = _with_amounts(Invoice.objects.select_related("appointment", "patient"))
    return visible_by_role(qs, user)


def invoice_get_for(*, user: User, pk: int) -> Invoice | None:
    """One invoice if `user` may see it, else None (callers answer 404)."""
    return invoice_visible_to(user).filter(pk=pk).first()


def booking_chain(appointment_id: int) -> list[int]:
    """This appointment and the ones it was moved from, newest first.

    A rescheduled visit keeps the invoice (and payment) of the booking it moved from.
    """
    chain = []
    current: int | None = appointment_id
    while current is not None and current not in chain:
        chain.append(current)
        current = (
            Appointment.objects.filter(pk=current)
            .values_list("rescheduled_from_id", flat=True)
            .first()
        )
    return chain


def invoice_for_appointment(*, user: User, appointment_id: int) -> Invoice | None:
    chain = booking_chain(appointment_id)
    found = {i.appointment_id: i for i in invoice_visible_to(user).filter(appointment_id__in=chain)}
    return next((found[a] for a in chain if a in found), None)


def invoice_search(
    *,
    user: User,
    q: str = "",
    status: str = "",
    financial_year: str = "",
    start=None,
    end=None,
) -> QuerySet[Invoice]:
    qs = invoice_visible_to(user)
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(patient_name__icontains=q)
            | Q(patient_email__icontains=q)
            | Q(practitioner_name__icontains=q)
        )
    qs = filter_given(
        qs,
        status=status,
        financial_year=financial_year,
        issued_at__gte=start,
        issued_at__lt=end,
    )
    return qs.order_by("-issued_at", "-pk")


@dataclass(frozen=True)
class Revenue:
    count: int
    invoiced: Decimal
    taxable: Decimal
    gst: Decimal
    paid: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def outstanding(self) -> Decimal:
        return self.invoiced - self.paid if self.invoiced > self.paid else ZERO


def invoice_revenue(qs: QuerySet[Invoice]) -> Revenue:
    """Totals over a (filtered) set of invoices: invoiced, tax, received and refunded."""
    ids = qs.order_by().values("pk")
    agg = Invoice.objects.filter(pk__in=ids).aggregate(
        invoiced=Sum("total"),
        taxable=Sum("taxable_amount"),
        cgst=Sum("cgst_amount"),
        sgst=Sum("sgst_amount"),
    )
    paid = Payment.objects.filter(invoice__in=ids, status=Payment.Status.SUCCEEDED).aggregate(
        s=Sum("amount")
    )["s"]
    refunded = CreditNote.objects.filter(invoice__in=ids).aggregate(s=Sum("amount"))["s"]
    return Revenue(
        count=qs.count(),
        invoiced=agg["invoiced"] or ZERO,
        taxable=agg["taxable"] or ZERO,
        gst=(agg["cgst"] or ZERO) + (agg["sgst"] or ZERO),
        paid=paid or ZERO,
        refunded=refunded or ZERO,
    )


def payment_get_for(*, user: User, pk: int) -> Payment | None:
    """A succeeded payment (for its receipt) on an invoice `user` may see."""
    invoices = invoice_visible_to(user).values("pk")
    return (
        Payment.objects.select_related("invoice", "appointment")
        .filter(pk=pk, status=Payment.Status.SUCCEEDED, invoice__in=invoices)
        .first()
    )


def credit_note_get_for(*, user: User, pk: int) -> CreditNote | None:
    invoices = invoice_visible_to(user).values("pk")
    return CreditNote.objects.select_related("invoice").filter(pk=pk, invoice__in=invoices).first()


def financial_years() -> list[str]:
    return list(
        Invoice.objects.order_by("-financial_year")
        .values_list("financial_year", flat=True)
        .distinct()
    )


# The changes that end a visit which may have been paid for. A reschedule is not one: the moved
# visit keeps the invoice and the payment.
SETTLED_ACTIONS = frozenset({"cancel", "reject", "hold_expired", "no_show", "expired"})


def paid_visit_ended(history: AppointmentHistory) -> bool:
    """Whether this change ends a visit for which money was received (so it needs settling)."""
    if history.action not in SETTLED_ACTIONS:
        return False
    return Payment.objects.filter(
        appointment_id__in=booking_chain(history.appointment_id),
        status=Payment.Status.SUCCEEDED,
    ).exists()


@dataclass(frozen=True)
class Refund:
    amount: Decimal
    reason: str


def settlement_refund(
    *,
    history: AppointmentHistory,
    appointment: Appointment,
    refundable: Decimal,
    rules: BillingSettings,
) -> Refund | None:
    """What the clinic gives back when a visit ends with this change, or None.

    Rejected (the clinic said no), cancelled by the practitioner, and a hold that ran out:
    everything received. Cancelled by the patient, or by staff (at the desk, for the patient): in
    full when at least `full_refund_hours` before the start, else nothing (staff may still refund
    by hand). No-show: in full only when the clinic refunds no-shows.
    """
    if refundable <= 0 or history.action not in SETTLED_ACTIONS:
        return None
    if history.action == "reject":
        return Refund(refundable, _("The clinic declined the appointment request."))
    if history.action == "expired":
        return Refund(refundable, _("The request expired before the clinic answered it."))
    if history.action == "hold_expired":
        return Refund(refundable, _("The slot was released before the booking completed."))
    if history.action == "no_show":
        if not rules.refund_no_show:
            return None
        return Refund(
            refundable, _("Refund for a missed appointment, as the clinic's policy says.")
        )
    if history.by_id is not None and history.by_id == appointment.practitioner.user_id:
        return Refund(refundable, _("The practitioner cancelled the appointment."))
    notice = appointment.start - history.at
    if notice < timedelta(hours=rules.full_refund_hours):
        return None
    return Refund(
        refundable,
        _("Appointment cancelled %(hours)d hours or more before it started.")
        % {"hours": rules.full_refund_hours},
    )
