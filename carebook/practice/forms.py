from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebook.clinic.forms import (
    PRACTITIONER_PROFILE_FIELDS,
    PRACTITIONER_VISIT_FIELDS,
    PractitionerProfileForm,
)
from carebook.clinic.models import Language, Service, Specialty
from carebook.clinic.services import practitioner_photo_check
from carebook.core.errors import InvalidInput
from carebook.core.timeutils import to_utc, zone
from carebook.practice.selectors import locations_active
from carebook.scheduling.models import BookingRules, Weekday

REASON_LABELS = {"reject": _("Reason for rejecting"), "cancel": _("Reason for cancelling")}


class ReasonForm(forms.Form):
    """The reason a practitioner must give to reject a request or cancel a visit."""

    reason = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 2, "required": True})
    )

    def __init__(self, *args, action: str, where: str, pk: int, **kwargs):
        # Unique ids: the same appointment can show one form in two places on a page.
        self.dom_id = f"{action}-{where}-{pk}"
        super().__init__(*args, auto_id=f"{self.dom_id}-%s", **kwargs)
        self.action, self.where = action, where
        self.fields["reason"].label = REASON_LABELS[action]
        self.fields["reason"].error_messages["required"] = (
            _("Please give a reason for rejecting.")
            if action == "reject"
            else _("Please give a reason for cancelling.")
        )
        if self.errors:
            self.fields["reason"].widget.attrs["autofocus"] = True


class WindowForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Location"), queryset=None, empty_label=None)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days"),
        choices=Weekday.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one day.")},
    )
    start_time = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional: leave empty for no start date."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional: leave empty to repeat every week."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations_active()

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The hours must end after they start."))
        first, last = data.get("valid_from"), data.get("valid_until")
        if first and last and last < first:
            self.add_error("valid_until", _("This is before the 'valid from' date."))
        return data


class WallClockField(forms.DateTimeField):
    """A date and time as typed, in no zone yet: the form decides which zone it is in."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if parsed.tzinfo is not None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed.replace(second=0, microsecond=0)


class TimeOffForm(forms.Form):
    location = forms.ModelChoiceField(
        label=_("Times are in the zone of"),
        queryset=None,
        required=False,
        help_text=_("The dates and times below are local times there."),
    )
    start = WallClockField(label=_("From"))
    end = WallClockField(label=_("Until"))
    reason = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_zone = timezone.get_default_timezone_name()
        field = self.fields["location"]
        field.queryset = locations_active()
        field.empty_label = _("Clinic default time (%(zone)s)") % {"zone": self.default_zone}
        field.label_from_instance = lambda loc: f"{loc.name} ({loc.time_zone})"

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return data
        location = data.get("location")
        tz = location.tz if location else zone(self.default_zone)
        # The first of a repeated hour for the start and the last for the end: the longer block.
        data["start_utc"] = to_utc(start, tz)
        data["end_utc"] = to_utc(end, tz, latest=True)
        if data["end_utc"] <= data["start_utc"]:
            self.add_error("end", _("Time off must end after it starts."))
        return data


class RulesForm(forms.ModelForm):
    class Meta:
        model = BookingRules
        fields = [
            "slot_step_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "min_notice_minutes",
            "max_days_ahead",
            "cancellation_cutoff_hours",
            "auto_confirm",
        ]
        help_texts = {
            "buffer_before_minutes": _("Kept free before each visit."),
            "buffer_after_minutes": _("Kept free after each visit, e.g. for notes."),
            "min_notice_minutes": _("How soon before a visit patients can still book it."),
            "max_days_ahead": _("How far ahead patients can book."),
            "cancellation_cutoff_hours": _(
                "Patients can cancel online until this many hours before the visit."
            ),
            "auto_confirm": _("Otherwise each booking waits for your approval."),
        }


class ServiceForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = ["name", "duration_minutes", "price", "is_active"]
        labels = {"price": _("Price (₹)")}

    def __init__(self, *args, fee=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if fee is not None:
            self.fields["price"].help_text = _(
                "Leave empty to charge your consultation fee (₹%(fee)s)."
            ) % {"fee": f"{fee:.0f}"}
        if not editing:
            del self.fields["is_active"]


class ProfileForm(PractitionerProfileForm):
    photo = forms.ImageField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG or WebP, at most 2 MB. A friendly, well-lit face works best."),
    )
    remove_photo = forms.BooleanField(label=_("Remove the current photo"), required=False)

    class Meta(PractitionerProfileForm.Meta):
        fields = [*PRACTITIONER_PROFILE_FIELDS, "bio", *PRACTITIONER_VISIT_FIELDS]
        labels = {**PractitionerProfileForm.Meta.labels, "bio": _("About you")}
        widgets = {
            **PractitionerProfileForm.Meta.widgets,
            "bio": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialties"].queryset = Specialty.objects.order_by("name")
        self.fields["languages"].queryset = Language.objects.order_by("name")
        self.fields["languages"].label = _("Languages you consult in")
        if self.instance.is_verified:
            field = self.fields["registration_number"]
            field.disabled = True
            field.help_text = _("Verified by the clinic. Ask the clinic to change it.")
        if not self.instance.photo:
            del self.fields["remove_photo"]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo:
            try:
                practitioner_photo_check(photo)
            except InvalidInput as exc:
                raise forms.ValidationError(exc.message) from exc
        return photo

    def clean(self):
        data = super().clean()
        if not (data.get("offers_in_person") or data.get("offers_video")):
            self.add_error("offers_video", _("Offer in-person visits, video visits or both."))
        return data
