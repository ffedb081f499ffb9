"""Forms of claiming an account by phone: the number, then the texted code and a password."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carebook.accounts.forms import NormalisedEmailField


class ClaimPhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Your mobile number"),
        max_length=32,
        help_text=_("The number you gave at the clinic's front desk."),
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel", "autofocus": True}
        ),
    )


class ClaimCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        help_text=_("At least 8 characters; not only numbers; not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    email = NormalisedEmailField(
        label=_("Email (optional)"),
        required=False,
        refuse_confusable=True,
        help_text=_(
            "For reminders and invoices by mail, and to reset a forgotten password; we send a "
            "link to confirm it. Without one you log in with your phone number."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit():
            raise forms.ValidationError(_("The code is the 6 digits in the SMS."), code="digits")
        return code

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        return data
