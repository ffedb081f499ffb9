from django import template

from carebook.billing.models import Invoice, Payment
from carebook.billing.selectors import invoice_for_appointment
from carebook.booking.models import Appointment
from carebook.core.templatetags.carebook_tags import money
from carebook.core.timeutils import now as utcnow

register = template.Library()

_STATUS_LOOK = {
    Invoice.Status.ISSUED: "requested",
    Invoice.Status.PARTIALLY_PAID: "requested",
    Invoice.Status.PAID: "confirmed",
    Invoice.Status.PARTIALLY_REFUNDED: "completed",
    Invoice.Status.REFUNDED: "cancelled",
}


register.filter("money", money)


@register.filter
def invoice_look(status: str) -> str:
    """The status badge class (shared with appointment statuses) for an invoice status."""
    return _STATUS_LOOK.get(status, "requested")


@register.inclusion_tag("billing/_appointment_billing.html", takes_context=True)
def appointment_billing(context, appointment: Appointment):
    """Invoice, receipt and payment links of an appointment, as far as the viewer may see."""
    user = context["request"].user if "request" in context else context.get("user")
    invoice = invoice_for_appointment(user=user, appointment_id=appointment.pk)
    S = Appointment.Status
    can_pay = (
        appointment.status == S.HELD
        and appointment.held_until is not None
        and appointment.held_until > utcnow()
        and (user.is_staff or appointment.patient_id == user.pk)
    )
    return {
        "a": appointment,
        "invoice": invoice,
        "receipts": (
            invoice.payments.filter(status=Payment.Status.SUCCEEDED).order_by("pk")
            if invoice
            else ()
        ),
        "credit_notes": invoice.credit_notes.order_by("pk") if invoice else (),
        "can_pay": can_pay,
        "can_open": invoice is None and appointment.status == S.COMPLETED,
        "can_issue": invoice is None
        and user.is_staff
        and appointment.status in (S.REQUESTED, S.CONFIRMED),
    }


@register.filter
def invoice_net(invoice: Invoice):
    """What an invoice brought in: received minus refunded (needs the selector's amounts)."""
    return invoice.paid_amount - invoice.refunded_amount
