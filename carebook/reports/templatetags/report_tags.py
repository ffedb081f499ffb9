from django import template

register = template.Library()


@register.filter
def hours(minutes: int) -> str:
    """Minutes as hours with one decimal: 90 -> "1.5"."""
    return f"{minutes / 60:.1f}"


@register.filter
def duration_words(seconds: float) -> str:
    """A wait in the unit a person would say it in."""
    if seconds < 3600:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"
