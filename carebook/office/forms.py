from datetime import time

from django import forms
from django.contrib.auth import password_validation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from carebook.accounts.forms import PhoneField
from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.clinic.forms import PRACTITIONER_PROFILE_FIELDS, PractitionerProfileForm
from carebook.clinic.models import Location, Practitioner
from carebook.scheduling.models import Weekday

DATE = {"type": "date"}


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


class UserFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name or email"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Any role")), *User.Role.choices]
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Any state")), *User.State.choices]
    )

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {key: data.get(key, "") for key in ("q", "role", "state")}


class AppointmentFilterForm(forms.Form):
    first_day = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(DATE))
    last_day = forms.DateField(
        label=_("Until (inclusive)"), required=False, widget=forms.DateInput(DATE)
    )
    practitioner = forms.ModelChoiceField(
        label=_("Practitioner"),
        required=False,
        queryset=Practitioner.objects.select_related("user").order_by("user__full_name", "pk"),
        empty_label=_("Any practitioner"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Appointment.Status.choices],
    )
    patient = forms.CharField(
        label=_("Patient name or email"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day is before the first."))
        return data

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "first_day": data.get("first_day"),
            "last_day": data.get("last_day"),
            "practitioner_id": data["practitioner"].pk if data.get("practitioner") else None,
            "status": data.get("status", ""),
            "patient_q": data.get("patient", ""),
        }


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the clinic's log with your name."),
    )


class PractitionerCreateForm(PractitionerProfileForm):
    """Everything staff need to put a bookable practitioner on the calendar in one step.

    The profile fields come from the model; the form only validates, a service does the writes.
    """

    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to generate one; it is shown once, after saving."),
    )
    service_name = forms.CharField(
        label=_("Service name"), max_length=120, initial=_("Consultation")
    )
    service_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=480, initial=30
    )
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.filter(is_active=True),
        empty_label=_("Choose a location"),
        help_text=_("Times are wall-clock times at this location."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4],
    )
    start_time = forms.TimeField(
        label=_("From"), initial=time(9, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("Until"), initial=time(17, 0), widget=forms.TimeInput(attrs={"type": "time"})
    )

    class Meta(PractitionerProfileForm.Meta):
        help_texts = {"qualifications": _("e.g. MBBS, MD (Paediatrics)")}

    ACCOUNT = ("full_name", "email", "phone", "password")
    PROFILE = PRACTITIONER_PROFILE_FIELDS
    SERVICE = (
        "offers_in_person",
        "offers_video",
        "consultation_fee",
        "service_name",
        "service_minutes",
    )
    AVAILABILITY = ("location", "weekdays", "start_time", "end_time")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"title": "Dr."})
        super().__init__(*args, **kwargs)
        self.fields["specialties"].required = True
        self.fields["qualifications"].required = True
        self.password_generated = False

    def sections(self):
        """The fields in the groups the page shows, each as (legend, bound fields)."""
        return [
            (_("Account"), [self[name] for name in self.ACCOUNT]),
            (_("Profile"), [self[name] for name in self.PROFILE]),
            (_("Fee and service"), [self[name] for name in self.SERVICE]),
            (_("Weekly availability"), [self[name] for name in self.AVAILABILITY]),
        ]

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email already exists."))
        return email

    def clean(self):
        data = super().clean()
        password = data.get("password")
        if password:
            probe = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        elif "password" in data:
            data["password"] = get_random_string(14)
            self.password_generated = True
        if not (data.get("offers_in_person") or data.get("offers_video")):
            self.add_error("offers_in_person", _("Choose in person, video or both."))
        start, end, minutes = (
            data.get("start_time"),
            data.get("end_time"),
            data.get("service_minutes"),
        )
        if start and end:
            if end <= start:
                self.add_error("end_time", _("The day must end after it starts."))
            elif minutes and _minutes(end) - _minutes(start) < minutes:
                self.add_error("service_minutes", _("The visit is longer than the working hours."))
        return data


class WalkInForm(forms.Form):
    """A patient registered at the counter: a name and a phone; an email if they have one."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = PhoneField(label=_("Mobile phone"))
    email = forms.EmailField(
        label=_("Email (optional)"),
        required=False,
        help_text=_("With an email they can set a password later (Forgot password)."),
    )
