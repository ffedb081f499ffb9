"""Small pieces of HTML written in Python: what pages repeat dozens of times, where a template
include per item costs more than the page's own work. Each template of the same name
(`partials/field.html`, `records/_stars.html`) calls these, so the HTML has one source."""

from html import escape

from django import forms
from django.template.defaultfilters import floatformat


def escape_html(value) -> str:
    """`value` escaped for HTML, as Django's `escape` (without its lazy-string wrapper, which
    costs more than the escaping); a value already safe is left as it is."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def field_html(field: forms.BoundField, *, wide: bool = False) -> str:
    """One form field with its label, help and errors tied to it (aria-describedby)."""
    e = escape_html
    classes = "field"
    if field.errors:
        classes += " has-error"
    if wide or field.widget_type == "textarea":
        classes += " wide"
    if field.widget_type == "checkbox":
        label = (
            f'<label class="check" for="{e(field.id_for_label)}">{field} {e(field.label)}</label>'
        )
    else:
        star = ' <span aria-hidden="true">*</span>' if field.field.required else ""
        label = f'<label for="{e(field.id_for_label)}">{e(field.label)}{star}</label>{field}'
    html = f'<div class="{classes}">{label}'
    if field.help_text:  # help texts are ours and may hold markup
        html += f'<p class="help" id="{e(field.auto_id)}_helptext">{field.help_text}</p>'
    if field.errors:
        errors = " ".join(e(error) for error in field.errors)
        html += f'<p class="error" id="{e(field.auto_id)}_error">{errors}</p>'
    return html + "</div>"


def stars_html(average, count: int) -> str:
    """A rating as stars with its number for screen readers ("" when nobody rated)."""
    if not count:
        return ""
    avg = escape_html(floatformat(average, 1))
    plural = "" if count == 1 else "s"
    return (
        f'<span class="rating" aria-label="Rated {avg} out of 5 by {count} patient{plural}">'
        f'<span aria-hidden="true">★ {avg} ({count})</span></span>'
    )
