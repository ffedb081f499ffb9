"""The `data` of each event, built inside the change's transaction: what was true when it
happened. Patients appear by id and name only, and no free text goes out (a cancellation's or
a credit note's reason is a person's own words, a clinical read); a receiver that needs more
reads the REST API with a staff token (and that read is access-logged there)."""

from carebook.billing.models import CreditNote, Invoice, Payment
from carebook.booking.models import Appointment, AppointmentHistory


def _person(pk: int, name: str) -> dict:
    return {"id": pk, "name": name}


def appointment_data(history: AppointmentHistory) -> dict:
    a: Appointment = history.appointment
    return {
        "id": a.pk,
        "status": a.status,
        "previous_status": history.from_status or None,
        "start": a.start,
        "end": a.end,
        "time_zone": a.location.time_zone,
        "mode": a.mode,
        "practitioner": _person(a.practitioner_id, a.practitioner.display_name),
        "patient": _person(a.patient_id, a.patient.full_name),
        "location": {"id": a.location_id, "name": a.location.name},
        "service": {"id": a.service_id, "name": a.service.name},
        "price": a.price,
        "rescheduled_from_id": a.rescheduled_from_id,
        "change": {
            "history_id": history.pk,
            "action": history.action,
            "by": getattr(history.by, "role", None) if history.by_id else "system",
        },
    }


def invoice_data(invoice: Invoice) -> dict:
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "status": invoice.status,
        "appointment_id": invoice.appointment_id,
        "patient": _person(invoice.patient_id, invoice.patient_name),
        "currency": invoice.currency,
        "total": invoice.total,
        "issued_at": invoice.issued_at,
    }


def payment_data(payment: Payment) -> dict:
    invoice = payment.invoice
    return {
        "id": payment.pk,
        "status": payment.status,
        "invoice_id": payment.invoice_id,
        "invoice_number": invoice.number if invoice else None,
        "appointment_id": payment.appointment_id,
        "method": payment.method,
        "provider": payment.provider,
        "amount": payment.amount,
        "currency": invoice.currency if invoice else None,
        "completed_at": payment.completed_at,
    }


def credit_note_data(note: CreditNote) -> dict:
    return {
        "id": note.pk,
        "number": note.number,
        "invoice_id": note.invoice_id,
        "invoice_number": note.invoice.number,
        "appointment_id": note.invoice.appointment_id,
        "amount": note.amount,
        "currency": note.invoice.currency,
        "refund_status": note.refund_status,
        "refund_reference": note.refund_reference,
        "issued_at": note.issued_at,
        "refunded_at": note.refunded_at,
    }
