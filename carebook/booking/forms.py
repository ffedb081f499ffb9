from django import forms
from django.utils.translation import gettext_lazy as _

from carebook.accounts.models import User
from carebook.clinic.models import VisitMode


class BookingForm(forms.Form):
    mode = forms.ChoiceField(label=_("Visit"), choices=VisitMode.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason or symptoms"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional. Shown only to the practitioner and clinic staff."),
    )
    patient = forms.CharField(
        label=_("Patient's email or phone"),
        required=False,
        max_length=254,
        help_text=_(
            "Staff booking on a patient's behalf: the patient's registered email or phone."
        ),
    )

    def __init__(self, *args, modes: list[str], staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mode"].choices = [(m, VisitMode(m).label) for m in modes]
        if len(modes) == 1:
            self.fields["mode"].initial = modes[0]
        if staff:
            self.fields["patient"].required = True
        else:
            del self.fields["patient"]

    def clean_patient(self):
        value = self.cleaned_data["patient"].strip()
        patients = User.objects.filter(role=User.Role.PATIENT, state=User.State.ACTIVE)
        match = list(patients.filter(email__iexact=value)[:2]) or list(
            patients.filter(phone=value)[:2]
        )
        if not match:
            raise forms.ValidationError(_("No active patient has that email or phone."))
        if len(match) > 1:
            raise forms.ValidationError(_("Several patients share that phone; use the email."))
        return match[0]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
