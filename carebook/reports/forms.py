"""The filters of a reports page: the office's, and a practitioner's own."""

from django import forms
from django.utils.translation import gettext_lazy as _

from carebook.clinic.models import Location, Practitioner, Service, Specialty
from carebook.core.widgets import QuickSelect
from carebook.reports.periods import GROUPS, MAX_PERIODS, PRESETS, period_starts, preset_range

DATE = {"type": "date"}
PRESET_LABELS = {
    "today": _("Today"),
    "week": _("This week"),
    "month": _("This month"),
    "last_month": _("Last month"),
    "quarter": _("This quarter"),
    "financial_year": _("This financial year"),
    "custom": _("Dates below"),
}


class ReportForm(forms.Form):
    period = forms.ChoiceField(
        label=_("Period"), choices=[(p, PRESET_LABELS[p]) for p in PRESETS], initial="month"
    )
    first_day = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(DATE))
    last_day = forms.DateField(
        label=_("Until (inclusive)"), required=False, widget=forms.DateInput(DATE)
    )
    group_by = forms.ChoiceField(
        label=_("By"),
        choices=[(g, _(g.capitalize())) for g in GROUPS],
        initial="day",
        required=False,
    )
    location = forms.ModelChoiceField(
        Location.objects.order_by("name"),
        required=False,
        empty_label=_("Every location"),
        widget=QuickSelect,
    )
    practitioner = forms.ModelChoiceField(
        Practitioner.objects.select_related("user").order_by("user__full_name"),
        required=False,
        empty_label=_("Every practitioner"),
        widget=QuickSelect,
    )
    specialty = forms.ModelChoiceField(
        Specialty.objects.order_by("name"),
        required=False,
        empty_label=_("Every specialty"),
        to_field_name="slug",
        widget=QuickSelect,
    )
    service = forms.ModelChoiceField(
        Service.objects.select_related("practitioner__user").order_by("name"),
        required=False,
        empty_label=_("Every service"),
        widget=QuickSelect,
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        period = data.get("period") or "month"
        if period == "custom":
            first, last = data.get("first_day"), data.get("last_day")
            if not first or not last:
                raise forms.ValidationError(_("Give both dates for a custom period."))
            if last < first:
                raise forms.ValidationError(_("The last day comes before the first."))
        else:
            first, last = preset_range(period, self.today)
        group_by = data.get("group_by") or "day"
        if len(period_starts(first, last, group_by)) > MAX_PERIODS[group_by]:
            raise forms.ValidationError(
                _("That is too many %(group)ss to show: choose a wider grouping.")
                % {"group": group_by}
            )
        data["range"], data["group_by"] = (first, last), group_by
        return data


class OwnReportForm(ReportForm):
    """A practitioner's own figures: their places and services only."""

    def __init__(self, *args, practitioner, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["practitioner"], self.fields["specialty"]
        self.fields["location"].queryset = (
            Location.objects.filter(windows__practitioner=practitioner).distinct().order_by("name")
        )
        self.fields["service"].queryset = Service.objects.filter(
            practitioner=practitioner
        ).order_by("name")
