"""Forms of the second factor: a code, a new authenticator, re-authentication."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_(
            "The 6-digit code your authenticator app shows, or one of your recovery codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "none"}
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        help_text=_("After scanning, type the 6-digit code the app shows for carebook."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class StepUpForm(forms.Form):
    secret = forms.CharField(
        label=_("Password or code"),
        strip=False,
        max_length=1024,
        help_text=_("Your password, or the 6-digit code from your authenticator app."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
