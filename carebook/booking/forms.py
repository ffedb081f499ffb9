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
    patient = forms.ModelChoiceField(
        label=_("Patient"),
        required=False,
        queryset=User.objects.filter(role=User.Role.PATIENT, state=User.State.ACTIVE),
        help_text=_("Staff booking on a patient's behalf."),
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


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
