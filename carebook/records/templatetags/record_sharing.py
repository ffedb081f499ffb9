"""The patient's "share my record with this practitioner" switch, and their list of shares."""

from django import template

from carebook.records import selectors

register = template.Library()


def _user(context):
    request = context.get("request")
    return request.user if request else context.get("user")


@register.simple_tag(takes_context=True)
def record_share_switch(context, appointment):
    """For the visit's own patient: the practitioner and whether the record is shared with them.
    Shown while the visit is a request (until confirmed, the practitioner sees only the minimal
    card), and whenever a share is active so it can be withdrawn. None for anyone else."""
    user = _user(context)
    if user is None or not user.is_authenticated or user.pk != appointment.patient_id:
        return None
    shared = selectors.record_shared_with(user=user, practitioner_id=appointment.practitioner_id)
    if not shared and appointment.status != appointment.Status.REQUESTED:
        return None
    return {"practitioner": appointment.practitioner, "shared": shared}


@register.simple_tag(takes_context=True)
def record_shares(context):
    """The acting patient's active shares."""
    user = _user(context)
    if user is None:
        return []
    return selectors.record_shares_of(user=user)
