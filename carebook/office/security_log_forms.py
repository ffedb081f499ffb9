"""The filters of the office's security-log page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carebook.core.security_log import Door, SecurityEvent

DATE = {"type": "date"}


class SecurityLogFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Event"),
        required=False,
        choices=[("", _("Any event")), *SecurityEvent.Kind.choices],
    )
    who = forms.CharField(
        label=_("Name or email"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    door = forms.ChoiceField(
        label=_("Door"), required=False, choices=[("", _("Any door")), *Door.choices]
    )
    first_day = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(DATE))
    last_day = forms.DateField(
        label=_("Until (inclusive)"), required=False, widget=forms.DateInput(DATE)
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            raise forms.ValidationError(_("The last day comes before the first."))
        return data

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {key: data.get(key) or None for key in ("first_day", "last_day")} | {
            key: data.get(key, "") for key in ("kind", "who", "door")
        }
