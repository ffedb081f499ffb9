from django import template

from carebook.booking.video import video_link_for
from carebook.core.timeutils import now as utcnow

register = template.Library()


@register.inclusion_tag("booking/_video_join.html", takes_context=True)
def video_join(context, appointment):
    """The join link of a video visit for its patient or practitioner, when the room is open."""
    user = context["request"].user if "request" in context else context.get("user")
    link, opens = video_link_for(appointment, user, now=utcnow())
    return {"a": appointment, "link": link, "opens": opens}
