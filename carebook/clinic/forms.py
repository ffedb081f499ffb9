from django import forms
from django.utils.translation import gettext_lazy as _

from carebook.clinic.models import ContactMessage, Gender, Language, Location, Specialty, VisitMode
from carebook.clinic.selectors import DirectoryFilters


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


SORT_CHOICES = [
    ("earliest", _("Earliest free slot")),
    ("fee", _("Fee: low to high")),
    ("fee_desc", _("Fee: high to low")),
    ("experience", _("Most experienced")),
    ("rating", _("Best rated")),
]


class DirectoryForm(forms.Form):
    q = forms.CharField(
        label=_("Name or specialty"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    specialty = forms.ChoiceField(label=_("Specialty"), required=False)
    city = forms.ChoiceField(label=_("City"), required=False)
    location = forms.ModelChoiceField(
        label=_("Location"),
        queryset=Location.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any location"),
    )
    available_on = forms.DateField(
        label=_("Available on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=[("", _("Any")), *Gender.choices]
    )
    language = forms.ChoiceField(label=_("Speaks"), required=False)
    mode = forms.ChoiceField(
        label=_("Visit"),
        required=False,
        choices=[("", _("In person or video")), *VisitMode.choices],
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
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].choices = [("", _("Any specialty"))] + list(
            Specialty.objects.values_list("slug", "name")
        )
        from carebook.clinic.selectors import cities

        self.fields["city"].choices = [("", _("Any city"))] + [(c, c) for c in cities()]
        self.fields["language"].choices = [("", _("Any language"))] + list(
            Language.objects.values_list("code", "name")
        )

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
            location_id=d["location"].pk if d.get("location") else None,
            gender=d.get("gender", ""),
            language=d.get("language", ""),
            fee_min=d.get("fee_min"),
            fee_max=d.get("fee_max"),
            min_experience=d.get("min_experience"),
            mode=d.get("mode", ""),
            available_on=d.get("available_on"),
            sort=d.get("sort") or "earliest",
        )
