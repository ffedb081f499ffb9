"""Reads of billing documents, always filtered to what the acting user may see."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.billing.models import BillingSettings, CreditNote, Invoice, Payment
from carebook.billing.tax import PERFORMED, RECIPIENT, Bill, Charge, bill
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.status import cutoff_hours_of
from carebook.clinic.models import Clinic, Location, Practitioner, Service
from carebook.core.querysets import filter_given, visible_by_role

ZERO = Decimal("0.00")
_MONEY = DecimalField(max_digits=12, decimal_places=2)


def price_quote(
    *, fee: Decimal, service: Service, location: Location, patient: User | None = None
) -> Bill:
    """The invoice a visit would get: the service, then the location's booking service charge,
    each taxed as its category says under the location's regime, in the location's currency.
    Shown before booking (the full price up front) and issued as it stands."""
    charges = [
        Charge(
            kind="service",
            description=service.name,
            amount=fee,
            category=service.tax_category,
            rate=service.tax_rate,
            code=service.tax_code,
            supplied=PERFORMED,
        )
    ]
    if location.service_charge:
        charges.append(
            Charge(
                kind="service_charge",
                description=_("Booking service charge"),
                amount=location.service_charge,
                category=location.service_charge_tax_category,
                rate=location.service_charge_tax_rate,
                code=location.service_charge_tax_code,
                supplied=RECIPIENT,
            )
        )
    profile = getattr(patient, "patient_profile", None) if patient is not None else None
    return bill(
        charges,
        currency=location.currency,
        regime=location.tax_regime,
        supplier_state=location.gst_state,
        recipient_state=profile.state if profile is not None else "",
    )


def booking_policy(practitioner: Practitioner) -> list[str]:
    """The cancellation and refund policy of a visit with `practitioner`, in words, as the
    services apply it (shown before booking and next to each action)."""
    rules = BillingSettings.current()
    cutoff = cutoff_hours_of(practitioner)
    paid_when = (
        _("You pay online when you book; the time is held for you while you pay.")
        if Clinic.settings().payment_at_booking
        else _("You pay at the clinic.")
    )
    return [
        _(
            "You can cancel or move the visit online until %(hours)d hours before it starts; "
            "after that, please call the clinic."
        )
        % {"hours": cutoff},
        paid_when,
        _(
            "Cancelled at least %(hours)d hours before the start: what you paid is refunded in "
            "full. Cancelled later: no refund."
        )
        % {"hours": rules.full_refund_hours},
        _("A visit you miss is refunded in full.")
        if rules.refund_no_show
        else _("A visit you miss is not refunded."),
        _("If the practitioner declines or cancels, everything you paid comes back."),
    ]


def invoice_quote(*, appointment: Appointment) -> Bill:
    """What an invoice for this appointment would say if issued now."""
    return price_quote(
        fee=appointment.price,
        service=appointment.service,
        location=appointment.location,
        patient=appointment.patient,
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


TAX_FIELDS = ("cgst_amount", "sgst_amount", "igst_amount", "vat_amount")


@dataclass(frozen=True)
class Revenue:
    """One currency's totals over a set of invoices; tax is always a figure of its own."""

    currency: str
    count: int
    invoiced: Decimal  # invoice totals, tax and round-off included
    tax: Decimal
    paid: Decimal
    refunded: Decimal  # credit notes, tax included
    refunded_tax: Decimal

    @property
    def net(self) -> Decimal:
        """Revenue the clinic keeps: invoiced less refunded, both without their tax."""
        return (self.invoiced - self.tax) - (self.refunded - self.refunded_tax)

    @property
    def outstanding(self) -> Decimal:
        return self.invoiced - self.paid if self.invoiced > self.paid else ZERO


def _tax_sum(prefix: str = ""):
    return sum((Coalesce(Sum(f"{prefix}{name}"), Value(ZERO)) for name in TAX_FIELDS), Value(ZERO))


def invoice_revenue(qs: QuerySet[Invoice]) -> list[Revenue]:
    """Totals over a (filtered) set of invoices, one per currency (never added together)."""
    ids = qs.order_by().values("pk")
    out = []
    for row in (
        Invoice.objects.filter(pk__in=ids)
        .values("currency")
        .annotate(count=Count("pk"), invoiced=Sum("total"), tax=_tax_sum())
        .order_by("currency")
    ):
        mine = Invoice.objects.filter(pk__in=ids, currency=row["currency"]).values("pk")
        paid = Payment.objects.filter(invoice__in=mine, status=Payment.Status.SUCCEEDED).aggregate(
            s=Sum("amount")
        )["s"]
        refunds = CreditNote.objects.filter(invoice__in=mine).aggregate(
            amount=Sum("amount"), tax=_tax_sum()
        )
        out.append(
            Revenue(
                currency=row["currency"],
                count=row["count"],
                invoiced=row["invoiced"] or ZERO,
                tax=row["tax"] or ZERO,
                paid=paid or ZERO,
                refunded=refunds["amount"] or ZERO,
                refunded_tax=refunds["tax"] or ZERO,
            )
        )
    return out


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
