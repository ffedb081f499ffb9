from django.contrib import admin

from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff


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
