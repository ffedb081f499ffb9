from django import template

from carebook.core.timeutils import zone

register = template.Library()


@register.filter
def wall(value, time_zone: str):
    """The wall-clock time of an aware datetime in `time_zone`, naive so templates keep it.

    Django would otherwise convert an aware value to the request's zone before `date` runs.
    """
    if value is None or not time_zone:
        return value
    return value.astimezone(zone(time_zone)).replace(tzinfo=None)
