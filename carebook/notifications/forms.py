import re

from django import forms
from django.utils.translation import gettext_lazy as _

from carebook.notifications.models import Delivery


class PreferencesForm(forms.Form):
    email = forms.BooleanField(label=_("Email me about my appointments"), required=False)
    sms = forms.BooleanField(
        label=_("Text me (SMS) about my appointments"),
        required=False,
        help_text=_("Confirmations, changes and reminders, to the phone number in your profile."),
    )

    def __init__(self, *args, patient: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not patient:
            del self.fields["sms"]


class DeliveryFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + Delivery.Status.choices
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any"))] + Delivery.Channel.choices
    )


_OFFSET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|m|min|hours?|minutes?)?\s*$", re.IGNORECASE)


class ReminderSettingsForm(forms.Form):
    offsets = forms.CharField(
        label=_("Send reminders this long before each appointment"),
        required=False,
        max_length=200,
        help_text=_(
            "Separate with commas; hours unless you write “m”, e.g. “24, 1” or “48h, 30m”. "
            "Leave empty for no reminders."
        ),
    )

    def clean_offsets(self) -> list[int]:
        minutes = []
        for part in filter(None, (p.strip() for p in self.cleaned_data["offsets"].split(","))):
            match = _OFFSET.match(part)
            if not match:
                raise forms.ValidationError(
                    _("“%(part)s” is not a length of time."), params={"part": part}
                )
            number, unit = float(match.group(1)), (match.group(2) or "h").lower()
            minutes.append(round(number if unit.startswith("m") else number * 60))
        return minutes


def offsets_to_text(minutes: list[int]) -> str:
    return ", ".join(f"{m // 60}h" if m % 60 == 0 else f"{m}m" for m in minutes)
