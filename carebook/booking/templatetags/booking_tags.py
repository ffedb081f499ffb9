from django import template
from django.utils.safestring import SafeString, mark_safe

from carebook.booking.picker import PickerSlot
from carebook.booking.video import video_link_for
from carebook.core.html import escape_html as _e
from carebook.core.templatetags.carebook_tags import your_time
from carebook.core.timeutils import now as utcnow

register = template.Library()


@register.simple_tag
def slot_links(
    slots: list[PickerSlot], slot_url: str, book_query: str, place: str, place_zone: str, viewer
) -> SafeString:
    """One day of the slot picker (`scheduling/partials/slot_picker.html`): a link per free
    time, with the viewer's own time when their zone differs. Written in Python: a week holds
    up to a hundred, and the template's loop over them was half the practitioner page's render.
    """
    viewer = str(viewer) if viewer else ""
    href = f"{_e(slot_url)}?{_e(book_query)}&start="
    items = []
    for s in slots:
        label, mine = f"{s.day_text}, {s.hhmm} at {place}", ""
        if viewer:
            if yours := your_time(s.slot.start, place_zone, viewer):
                label += f", {yours}"
            if short := your_time(s.slot.start, place_zone, viewer, "short"):
                mine = f'<span class="yours">{_e(short)}</span>'
        items.append(
            f'<li><a class="slot" data-start="{_e(s.start_iso)}" href="{href}{_e(s.start_param)}"'
            f' aria-label="{_e(label)}">{_e(s.hhmm)}{mine}</a></li>'
        )
    return mark_safe(f'<ul class="slots">{"".join(items)}</ul>')  # noqa: S308 - escaped above


@register.inclusion_tag("booking/_video_join.html", takes_context=True)
def video_join(context, appointment):
    """The join link of a video visit for its patient or practitioner, when the room is open."""
    user = context["request"].user if "request" in context else context.get("user")
    link, opens = video_link_for(appointment, user, now=utcnow())
    return {"a": appointment, "link": link, "opens": opens}
