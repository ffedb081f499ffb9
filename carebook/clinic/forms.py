from django import forms
from django.utils.translation import gettext_lazy as _

from carebook.accounts.forms import PasswordPairMixin
from carebook.clinic.models import ContactMessage, Gender, Practitioner, Specialty


class ContactForm(forms.ModelForm):
    class Meta:
        model = ContactMessage
        fields = ["name", "email", "phone", "subject", "message"]
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "message": forms.Textarea(attrs={"rows": 5}),
        }


class PractitionerRegistrationForm(PasswordPairMixin):
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
    title = forms.CharField(label=_("Title"), max_length=20, required=False, initial="Dr.")
    kind = forms.ChoiceField(label=_("I am a"), choices=Practitioner.Kind.choices)
    specialties = forms.ModelMultipleChoiceField(
        label=_("Specialties"),
        queryset=Specialty.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    qualifications = forms.CharField(
        label=_("Qualifications"), max_length=255, help_text=_("e.g. MBBS, MD (Paediatrics)")
    )
    registration_number = forms.CharField(
        label=_("Medical council registration number"),
        max_length=100,
        required=False,
        help_text=_("Staff check it before your profile goes live."),
    )
    years_experience = forms.IntegerField(label=_("Years of experience"), min_value=0, max_value=70)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False
    )
    field_order = [
        "full_name",
        "email",
        "phone",
        "title",
        "kind",
        "specialties",
        "qualifications",
        "registration_number",
        "years_experience",
        "gender",
        "password1",
        "password2",
    ]
