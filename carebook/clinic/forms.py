from django import forms
from django.utils.translation import gettext_lazy as _

from carebook.accounts.forms import NormalisedEmailField, PasswordPairMixin, PhoneField
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


PRACTITIONER_PROFILE_FIELDS = (
    "title",
    "kind",
    "specialties",
    "qualifications",
    "registration_number",
    "years_experience",
    "gender",
    "languages",
)
PRACTITIONER_VISIT_FIELDS = ("consultation_fee", "offers_in_person", "offers_video")


class PractitionerProfileForm(forms.ModelForm):
    """A practitioner's profile and visit terms, as staff and the practitioner edit them."""

    class Meta:
        model = Practitioner
        fields = [*PRACTITIONER_PROFILE_FIELDS, *PRACTITIONER_VISIT_FIELDS]
        widgets = {
            "specialties": forms.CheckboxSelectMultiple,
            "languages": forms.CheckboxSelectMultiple,
        }
        labels = {"consultation_fee": _("Consultation fee (₹)")}


class PractitionerRegistrationForm(PasswordPairMixin):
    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = NormalisedEmailField(
        label=_("Email"),
        refuse_confusable=True,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneField(label=_("Mobile phone"))
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
    # Django skips the names a form lacks ("languages" is set later, on the profile page).
    field_order = [
        "full_name",
        "email",
        "phone",
        *PRACTITIONER_PROFILE_FIELDS,
        "password1",
        "password2",
    ]
