from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.utils.translation import gettext_lazy as _

from carebook.accounts import password_reset
from carebook.accounts.identity import (
    birth_date_check,
    email_check,
    email_normalise,
    phone_to_e164,
)
from carebook.accounts.login import InvalidCredentials, LoginThrottled, login_attempt
from carebook.accounts.models import PatientProfile, User
from carebook.core.timeutils import zone_names


class NormalisedEmailField(forms.EmailField):
    """An email field that cleans to the one spelling of the address (`identity`).

    With `refuse_confusable`, an address that imitates another with look-alike letters from a
    second alphabet is refused (for new accounts); a login simply finds no account for it.
    """

    def __init__(self, *, refuse_confusable: bool = False, **kwargs):
        self.refuse_confusable = refuse_confusable
        super().__init__(**kwargs)

    def to_python(self, value):
        return email_normalise(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and self.refuse_confusable:
            email_check(value)


class PhoneField(forms.CharField):
    """A phone number, cleaned to E.164 (`+919845012345`); local numbers read in the clinic's
    region (CAREBOOK_PHONE_REGION)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return phone_to_e164(super().clean(value))


class BirthDateField(forms.DateField):
    """A date of birth a living person can have: not in the future, not before 1900."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return birth_date_check(super().clean(value))


class LoginForm(forms.Form):
    # An email, or a phone number its owner proved by SMS (`login.login_name`).
    email = forms.CharField(
        label=_("Email or phone"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autofocus": True, "autocapitalize": "none"}
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        self.user = None
        self.throttled = False
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.user = login_attempt(
                request=self.request, email=data["email"], password=data["password"]
            )
        except LoginThrottled as exc:
            self.throttled = True
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        except InvalidCredentials as exc:
            raise forms.ValidationError(exc.message, code="invalid_login") from exc
        return data


class PasswordPairMixin(forms.Form):
    """A new account's email and password, typed twice and validated.

    Whether the email is taken is not the form's to say: sign-up answers the same either way
    and tells the mailbox (`clinic.services.registration`).
    """

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters; not only numbers; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_email(self):
        return email_check(self.cleaned_data["email"])

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class PatientRegistrationForm(PasswordPairMixin):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = NormalisedEmailField(
        label=_("Email"),
        refuse_confusable=True,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneField(label=_("Mobile phone"))
    date_of_birth = BirthDateField(label=_("Date of birth"))
    # Nothing chosen for you: an unanswered question is kept as "prefer not to say".
    gender = forms.ChoiceField(
        label=_("Gender (optional)"),
        choices=[("", _("— choose —")), *PatientProfile.Gender.choices],
        required=False,
    )

    def clean_gender(self):
        return self.cleaned_data["gender"] or PatientProfile.Gender.UNDISCLOSED

    blood_group = forms.ChoiceField(
        label=_("Blood group"), choices=PatientProfile.BloodGroup.choices, required=False
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    field_order = [
        "full_name",
        "email",
        "phone",
        "date_of_birth",
        "gender",
        "blood_group",
        "address",
        "password1",
        "password2",
    ]

    def sign_up_details(self) -> dict:
        """What `clinic.services.patient_sign_up` takes from the valid form, at every door."""
        data = self.cleaned_data
        profile = ("full_name", "phone", "date_of_birth", "gender", "blood_group", "address")
        return {"email": data["email"], "password": data["password1"]} | {
            name: data[name] for name in profile
        }


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        required=False,
        help_text=_("Times of a clinic elsewhere also show in it. Empty: your browser's."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            ("", _("My browser's")),
            *((z, z) for z in sorted(zone_names())),
        ]

    class Meta:
        model = User
        fields = ["full_name", "phone", "time_zone"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }

    def clean_phone(self):
        return phone_to_e164(self.cleaned_data["phone"])


class PatientProfileForm(forms.ModelForm):
    class Meta:
        model = PatientProfile
        fields = [
            "date_of_birth",
            "gender",
            "blood_group",
            "address",
            "state",
            "emergency_contact_name",
            "emergency_contact_phone",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(
                attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"
            ),
            "address": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
            "emergency_contact_phone": forms.TextInput(attrs={"type": "tel"}),
        }

    def clean_date_of_birth(self):
        return birth_date_check(self.cleaned_data["date_of_birth"])

    def clean_emergency_contact_phone(self):
        return phone_to_e164(self.cleaned_data["emergency_contact_phone"])


class PasswordResetRequestForm(DjangoPasswordResetForm):
    """Django's reset form, answering the same for every address, with the rate limits and
    security log of `accounts.password_reset`."""

    email = NormalisedEmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def get_users(self, email):
        return password_reset.reset_users(email=email)

    def save(self, *args, request=None, **kwargs):
        email = self.cleaned_data["email"]
        if password_reset.reset_request_allowed(email=email, request=request):
            super().save(*args, request=request, **kwargs)
