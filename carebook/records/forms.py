from django import forms
from django.utils.translation import gettext_lazy as _

from carebook.clinic.models import Practitioner
from carebook.core.access_log import AccessLog
from carebook.records.storage import MAX_BYTES


def _area(rows: int = 3, **attrs):
    return forms.Textarea(attrs={"rows": rows, **attrs})


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Session note"),
        max_length=10_000,
        widget=_area(4),
        help_text=_("Private: seen only by you and clinic staff, never by the patient."),
    )


class MedicineForm(forms.Form):
    name = forms.CharField(label=_("Medicine"), max_length=200, required=False)
    dose = forms.CharField(label=_("Dose"), max_length=100, required=False)
    frequency = forms.CharField(label=_("Frequency"), max_length=100, required=False)
    duration = forms.CharField(label=_("Duration"), max_length=100, required=False)


MedicineFormSet = forms.formset_factory(MedicineForm, extra=4, max_num=20, absolute_max=20)


class PrescriptionForm(forms.Form):
    instructions = forms.CharField(
        label=_("Instructions"), max_length=4000, required=False, widget=_area(3)
    )
    override_reason = forms.CharField(
        label=_("Why you prescribe despite the allergy warning"),
        max_length=2000,
        required=False,
        widget=_area(2),
        help_text=_("Kept on the prescription with the warning."),
    )


class MedicalRecordForm(forms.Form):
    allergies = forms.CharField(
        label=_("Allergies"),
        max_length=4000,
        required=False,
        widget=_area(3),
        help_text=_("One a line, e.g. “Penicillin: rash”."),
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        max_length=4000,
        required=False,
        widget=_area(3),
        help_text=_("One a line, e.g. “Type 2 diabetes (since 2019)”."),
    )
    medications = forms.CharField(
        label=_("Current medications"),
        max_length=4000,
        required=False,
        widget=_area(3),
        help_text=_("One a line, with dose, e.g. “Metformin 500 mg twice daily”."),
    )


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG or PNG, up to %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )


class AdmitForm(forms.Form):
    ward = forms.CharField(label=_("Ward"), max_length=100)
    room = forms.CharField(label=_("Room / bed"), max_length=50, required=False)
    reason = forms.CharField(label=_("Reason for admission"), max_length=4000, widget=_area(2))
    practitioner = forms.ModelChoiceField(
        label=_("Responsible practitioner"),
        queryset=Practitioner.objects.none(),
        required=False,
    )

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if staff:
            field = self.fields["practitioner"]
            field.queryset = Practitioner.objects.select_related("user").order_by("user__full_name")
            field.required = True
        else:
            del self.fields["practitioner"]


class DischargeForm(forms.Form):
    summary = forms.CharField(label=_("Discharge summary"), max_length=10_000, widget=_area(3))


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        coerce=int,
        choices=[(i, f"{i} ★") for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False, widget=_area(3))


class HideForm(forms.Form):
    reason = forms.CharField(label=_("Why hide it"), max_length=300, required=False)


class AccessLogFilterForm(forms.Form):
    patient = forms.CharField(label=_("Patient"), max_length=100, required=False)
    by = forms.CharField(label=_("Read by"), max_length=100, required=False)
    what = forms.ChoiceField(
        label=_("What"), required=False, choices=[("", _("Anything")), *AccessLog.What.choices]
    )
    door = forms.ChoiceField(
        label=_("Door"), required=False, choices=[("", _("Any")), *AccessLog.Door.choices]
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
