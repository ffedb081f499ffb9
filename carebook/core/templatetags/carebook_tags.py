from django import template
from django.utils.safestring import SafeString, mark_safe

from carebook.core import html
from carebook.core.money import format_money
from carebook.core.timeutils import local_text, zone

register = template.Library()


@register.filter
def wall(value, time_zone: str):
    """The wall-clock time of an aware datetime in `time_zone`, naive so templates keep it.

    Django would otherwise convert an aware value to the request's zone before `date` runs.
    """
    if value is None or not time_zone:
        return value
    return value.astimezone(zone(time_zone)).replace(tzinfo=None)


@register.filter
def money(amount, currency="INR"):
    """An amount written in its currency's own way: {{ fee|money:location.currency }}."""
    return "" if amount is None or amount == "" else format_money(amount, currency or "INR")


@register.filter
def at_local(value, time_zone: str) -> str:
    """One instant, one rendering: "2 Mar 2026, 13:37 IST", in the zone of the place it is
    about (the visit's location). Every page, document and message writes an instant this way."""
    if value is None or not time_zone:
        return ""
    return local_text(value, time_zone)


@register.simple_tag
def your_time(value, place_zone: str, viewer_zone: str, style: str = "long") -> str:
    """The same instant on the viewer's clock when their zone is not the place's, else "".

    "long": "15:30 your time (Asia/Kolkata)", with the day when it differs; "short": "15:30".
    """
    if value is None or not viewer_zone or str(viewer_zone) == place_zone:
        return ""
    here, there = value.astimezone(zone(place_zone)), value.astimezone(zone(str(viewer_zone)))
    text = f"{there:%H:%M}"
    if there.date() != here.date():
        text = f"{there:%a} {text}"
    return text if style == "short" else f"{text} your time ({viewer_zone})"


@register.simple_tag
def field_html(field, wide=False) -> SafeString:
    """`partials/field.html`: one form field, written by `core.html.field_html`."""
    return mark_safe(html.field_html(field, wide=bool(wide)))  # noqa: S308 - escaped there


@register.simple_tag
def stars(average, count) -> SafeString:
    """`records/_stars.html`: a rating, written by `core.html.stars_html`."""
    return mark_safe(html.stars_html(average, count))  # noqa: S308 - escaped there
