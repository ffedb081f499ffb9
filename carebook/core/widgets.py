"""Form widgets every door's forms share."""

from django import forms
from django.utils.html import format_html, format_html_join


def _attrs(attrs: dict) -> str:
    """HTML attributes in the order given, as Django's widget templates write them."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False and value is not None
        ),
    )


class QuickSelect(forms.Select):
    """A select (without option groups) written in Python: the HTML of Django's templates,
    which render each option as a template and were most of the directory form's time."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(option["value"]), _attrs(option["attrs"]), option["label"])
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, _attrs(widget["attrs"]), options
        )
