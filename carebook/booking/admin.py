from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from carebook.accounts.models import User
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.selectors import appointment_reasons_read
from carebook.booking.services import (
    appointment_cancel,
    appointment_complete,
    appointment_confirm,
    appointment_mark_no_show,
)
from carebook.core.admin import service_action


class AppointmentHistoryInline(admin.TabularInline):
    model = AppointmentHistory
    fields = ("at", "action", "from_status", "to_status", "by", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def appointment_cancel_by_clinic(*, appointment: Appointment, by: User) -> Appointment:
    """Cancel for the clinic, the reason in the language of the staff member's request."""
    return appointment_cancel(
        appointment=appointment, by=by, reason=str(_("Cancelled by the clinic."))
    )


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    """Appointments are booked and moved through the booking services, never edited here."""

    list_display = (
        "local_start",
        "patient__full_name",
        "practitioner",
        "service",
        "location",
        "mode",
        "status",
        "price",
    )
    list_filter = ("status", "mode", "location", "practitioner__specialties")
    search_fields = (
        "patient__full_name",
        "patient__email",
        "patient__phone",
        "practitioner__user__full_name",
    )
    list_select_related = ("patient", "practitioner__user", "location", "service")
    date_hierarchy = "start"
    ordering = ("-start",)
    fieldsets = (
        (
            None,
            {"fields": ("status", "patient", "practitioner", "service", "location", "mode")},
        ),
        (
            _("Time"),
            {"fields": (("local_start", "local_end"), ("hold_start", "hold_end"), "held_until")},
        ),
        (_("Details"), {"fields": ("reason", "price")}),
        (
            _("Record"),
            {
                "fields": (
                    "booked_by",
                    "rescheduled_from",
                    "rescheduled_to_link",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    inlines = (AppointmentHistoryInline,)
    actions = ("confirm_appointments", "cancel_appointments", "complete_appointments", "no_shows")

    def get_readonly_fields(self, request, obj=None):
        # Read-only: every change to an appointment goes through a service (the actions above),
        # which writes its history row; the patient's reason is theirs.
        return [f for fs in self.fieldsets for line in fs[1]["fields"] for f in _flat(line)]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "patient",
                "practitioner__user",
                "location",
                "service",
                "booked_by",
                "rescheduled_from__patient",
                "rescheduled_from__practitioner__user",
            )
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The page shows the patient's reason: a clinical read through the admin.
        if obj is not None:
            appointment_reasons_read(
                user=request.user, appointments=[obj], door="admin", path=request.path
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("starts (local)"), ordering="start")
    def local_start(self, obj):
        return f"{obj.local_start:%Y-%m-%d %H:%M} {obj.local_start.tzname()}"

    @admin.display(description=_("ends (local)"))
    def local_end(self, obj):
        return f"{obj.local_end:%Y-%m-%d %H:%M} {obj.local_end.tzname()}"

    @admin.display(description=_("rescheduled to"))
    def rescheduled_to_link(self, obj):
        moved_to = Appointment.objects.filter(rescheduled_from=obj).only("pk", "start").first()
        if moved_to is None:
            return "-"
        url = reverse("admin:booking_appointment_change", args=[moved_to.pk])
        return format_html('<a href="{}">{}</a>', url, f"{moved_to.start:%Y-%m-%d %H:%M} UTC")

    confirm_appointments = service_action(
        appointment_confirm, "appointment", _("Confirm selected appointments"), _("Confirmed")
    )
    cancel_appointments = service_action(
        appointment_cancel_by_clinic,
        "appointment",
        _("Cancel selected appointments"),
        _("Cancelled"),
    )
    complete_appointments = service_action(
        appointment_complete,
        "appointment",
        _("Mark selected appointments completed"),
        _("Completed"),
    )
    no_shows = service_action(
        appointment_mark_no_show,
        "appointment",
        _("Mark selected appointments as no-shows"),
        _("Marked as no-show"),
    )


def _flat(line):
    return line if isinstance(line, tuple | list) else (line,)


@admin.register(AppointmentHistory)
class AppointmentHistoryAdmin(admin.ModelAdmin):
    """Append-only: the admin shows the record and changes nothing."""

    list_display = ("at", "appointment", "action", "from_status", "to_status", "by", "reason")
    list_filter = ("action", "to_status")
    search_fields = (
        "appointment__patient__full_name",
        "appointment__practitioner__user__full_name",
        "by__email",
        "reason",
    )
    list_select_related = ("appointment__patient", "appointment__practitioner__user", "by")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
