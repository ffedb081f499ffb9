"""What the appointment page shows of the visit's records, by who is looking."""

from django import template

from carebook.records import selectors
from carebook.records.forms import NoteForm, ReviewForm

register = template.Library()


@register.simple_tag(takes_context=True)
def appointment_records(context, appointment):
    """Notes (practitioner and staff only), prescriptions, the review and the forms allowed."""
    request = context.get("request")
    user = request.user if request else context.get("user")
    path = request.path if request else ""
    if user is None or not user.is_authenticated:
        return {}
    writes = selectors.can_write_appointment_records(user=user, appointment=appointment)
    completed = appointment.status == appointment.Status.COMPLETED
    review = selectors.review_of_appointment(user=user, appointment=appointment)
    is_patient = user.pk == appointment.patient_id
    return {
        "is_patient": is_patient,
        "notes": selectors.notes_for_appointment(user=user, appointment=appointment, path=path),
        "note_form": NoteForm(auto_id="note_%s") if writes else None,
        "can_note": writes and appointment.status in ("confirmed", "completed", "no_show"),
        "prescriptions": selectors.prescription_list_for(
            user=user, appointment=appointment, path=path
        ),
        "can_prescribe": writes and completed,
        "review": review,
        "review_form": (
            ReviewForm(auto_id="review_%s") if is_patient and completed and not review else None
        ),
        "record_link": not is_patient
        and selectors.can_read_record(user=user, patient=appointment.patient),
    }
