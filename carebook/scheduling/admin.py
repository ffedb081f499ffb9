from django.contrib import admin

from carebook.clinic.admin import PractitionerAdmin
from carebook.clinic.models import Practitioner
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff


class AvailabilityWindowInline(admin.TabularInline):
    model = AvailabilityWindow
    extra = 0
    fields = ("weekday", "start_time", "end_time", "location", "valid_from", "valid_until")


class BookingRulesInline(admin.StackedInline):
    model = BookingRules
    can_delete = False
    max_num = 1
    fields = (
        ("slot_step_minutes", "min_notice_minutes", "max_days_ahead"),
        ("buffer_before_minutes", "buffer_after_minutes"),
        ("cancellation_cutoff_hours", "auto_confirm"),
    )


class PractitionerScheduleAdmin(PractitionerAdmin):
    """The clinic's practitioner page with the practitioner's weekly hours and booking rules."""

    inlines = (*PractitionerAdmin.inlines, AvailabilityWindowInline, BookingRulesInline)


admin.site.unregister(Practitioner)
admin.site.register(Practitioner, PractitionerScheduleAdmin)


@admin.register(AvailabilityWindow)
class AvailabilityWindowAdmin(admin.ModelAdmin):
    list_display = (
        "practitioner",
        "weekday",
        "start_time",
        "end_time",
        "location",
        "valid_from",
        "valid_until",
    )
    list_filter = ("weekday", "location", "practitioner__specialties")
    search_fields = ("practitioner__user__full_name", "location__name", "location__city")
    list_select_related = ("practitioner__user", "location")
    autocomplete_fields = ("practitioner", "location")


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ("practitioner", "start", "end", "reason")
    search_fields = ("practitioner__user__full_name", "reason")
    list_select_related = ("practitioner__user",)
    autocomplete_fields = ("practitioner",)
    date_hierarchy = "start"


@admin.register(BookingRules)
class BookingRulesAdmin(admin.ModelAdmin):
    list_display = (
        "practitioner",
        "slot_step_minutes",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "min_notice_minutes",
        "max_days_ahead",
        "cancellation_cutoff_hours",
        "auto_confirm",
    )
    list_filter = ("auto_confirm",)
    search_fields = ("practitioner__user__full_name",)
    list_select_related = ("practitioner__user",)
    autocomplete_fields = ("practitioner",)
