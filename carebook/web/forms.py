"""Forms of the public pages: the directory's filters and the booking flow's inputs."""

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from carebook.accounts.selectors import patient_exact
from carebook.booking.directory import DirectoryFilters
from carebook.clinic.models import Gender, Language, Location, Specialty, VisitMode
from carebook.core.compiled import Compiled
from carebook.core.html import field_html
from carebook.core.widgets import QuickSelect

SORT_CHOICES = [
    ("earliest", _("Earliest free slot")),
    ("fee", _("Fee: low to high")),
    ("fee_desc", _("Fee: high to low")),
    ("experience", _("Most experienced")),
    ("rating", _("Best rated")),
]


_SPECIALTIES = Compiled(Specialty, lambda: Specialty.objects.values_list("slug", "name"))
_PLACES = Compiled(
    Location, lambda: Location.objects.filter(is_active=True).values_list("pk", "name", "city")
)
_LANGUAGES = Compiled(Language, lambda: Language.objects.values_list("code", "name"))


class DirectoryForm(forms.Form):
    q = forms.CharField(
        label=_("Name or specialty"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    specialty = forms.ChoiceField(widget=QuickSelect, label=_("Specialty"), required=False)
    city = forms.ChoiceField(widget=QuickSelect, label=_("City"), required=False)
    location = forms.TypedChoiceField(
        label=_("Location"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    available_on = forms.DateField(
        label=_("Available on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[("", _("Any")), *Gender.choices],
        widget=QuickSelect,
    )
    language = forms.ChoiceField(widget=QuickSelect, label=_("Speaks"), required=False)
    mode = forms.ChoiceField(
        label=_("Visit"),
        required=False,
        choices=[("", _("In person or video")), *VisitMode.choices],
        widget=QuickSelect,
    )
    fee_min = forms.DecimalField(
        label=_("Fee from (₹)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    fee_max = forms.DecimalField(
        label=_("Fee up to (₹)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    min_experience = forms.IntegerField(
        label=_("Experience at least (years)"), required=False, min_value=0, max_value=70
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=SORT_CHOICES, widget=QuickSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].choices = [("", _("Any specialty"))] + _SPECIALTIES.rows()
        # One read for both: the active locations, by city and name.
        places = _PLACES.rows()
        self.fields["city"].choices = [("", _("Any city"))] + [
            (city, city) for city in dict.fromkeys(city for _pk, _name, city in places)
        ]
        self.fields["location"].choices = [("", _("Any location"))] + [
            (pk, f"{name}, {city}") for pk, name, city in places
        ]
        self.fields["language"].choices = [("", _("Any language"))] + _LANGUAGES.rows()

    def fields_html(self) -> SafeString:
        """Every field as `partials/field.html` writes it, written in Python: an include per
        field was a tenth of the directory's time."""
        return mark_safe("".join(field_html(field) for field in self))  # noqa: S308 - escaped

    def clean(self):
        data = super().clean()
        lo, hi = data.get("fee_min"), data.get("fee_max")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("fee_max", _("The upper fee is below the lower one."))
        return data

    def filters(self) -> DirectoryFilters:
        d = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return DirectoryFilters(
            q=d.get("q", ""),
            specialty=d.get("specialty", ""),
            city=d.get("city", ""),
            location_id=d.get("location"),
            gender=d.get("gender", ""),
            language=d.get("language", ""),
            fee_min=d.get("fee_min"),
            fee_max=d.get("fee_max"),
            min_experience=d.get("min_experience"),
            mode=d.get("mode", ""),
            available_on=d.get("available_on"),
            sort=d.get("sort") or "earliest",
        )


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
        match = patient_exact(self.cleaned_data["patient"])
        if not match:
            raise forms.ValidationError(_("No active patient has that email or phone."))
        if len(match) > 1:
            raise forms.ValidationError(_("Several patients share that phone; use the email."))
        return match[0]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
