"""The reports' background work: keeping the visits and money rollups current."""

from django_tasks import task

from carebook.booking.models import AppointmentHistory
from carebook.core.tasks import retried
from carebook.reports.measures import STATUSES
from carebook.reports.money import money_refresh_invoice
from carebook.reports.rollup import rollup_refresh_of

COUNTED = {str(s) for s in STATUSES}


def appointment_changed(*, history: AppointmentHistory) -> None:
    """An appointment changed: have its day recomputed (the task commits with the change)."""
    if history.to_status in COUNTED or history.from_status in COUNTED:
        rollup_refresh_visit.enqueue(appointment_id=history.appointment_id)


def invoice_issued(*, invoice) -> None:
    money_refresh.enqueue(invoice_id=invoice.pk)


def payment_captured(*, payment) -> None:
    if payment.invoice_id:
        money_refresh.enqueue(invoice_id=payment.invoice_id)


def credited(*, credit_note) -> None:
    money_refresh.enqueue(invoice_id=credit_note.invoice_id)


@task()
@retried
def rollup_refresh_visit(appointment_id: int, attempt: int = 1) -> str:
    """Recompute the rollup day of this appointment (safe to run again, in any order)."""
    return f"{rollup_refresh_of(appointment_id)} rows"


@task()
@retried
def money_refresh(invoice_id: int, attempt: int = 1) -> str:
    """Recompute the money days of this invoice (safe to run again, in any order)."""
    return f"{money_refresh_invoice(invoice_id)} rows"
