"""The office's webhook form: shape only; the rules (public URL, known events) are the service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carebook.webhooks.catalogue import event_choices


class EndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("An https address on the public internet."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=event_choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("Secret"),
        max_length=200,
        required=False,
        help_text=_("Leave empty and carebook makes one (whsec_…), shown once."),
    )
