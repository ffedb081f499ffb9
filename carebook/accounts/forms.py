from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from carebook.accounts.login import InvalidCredentials, LoginThrottled, login_attempt
from carebook.accounts.models import PatientProfile, User


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
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
    """A new account's email (not yet taken) and password, typed twice and validated."""

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
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this email already exists. Log in instead.")
            )
        return email

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
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=PatientProfile.Gender.choices)
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

    def clean_date_of_birth(self):
        from django.utils import timezone

        dob = self.cleaned_data["date_of_birth"]
        if dob > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return dob


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "phone"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }


class PatientProfileForm(forms.ModelForm):
    class Meta:
        model = PatientProfile
        fields = [
            "date_of_birth",
            "gender",
            "blood_group",
            "address",
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
