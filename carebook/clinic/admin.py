from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from carebook.accounts.mfa import step_up_action
from carebook.clinic.models import (
    Clinic,
    ContactMessage,
    Language,
    Location,
    Practitioner,
    Service,
    Specialty,
)
from carebook.clinic.services import (
    contact_message_mark_handled,
    practitioner_unverify,
    practitioner_verify,
)
from carebook.core.admin import service_action


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    """The clinic is a single row of settings: the list goes straight to its form."""

    fieldsets = (
        (None, {"fields": ("name", "address", "phone", "email", "gstin")}),
        (_("Patients"), {"fields": ("patients_need_approval",)}),
        (_("Prescribing"), {"fields": ("therapists_prescribe",)}),
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not Clinic.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        clinic = Clinic.current()
        return redirect(reverse("admin:clinic_clinic_change", args=[clinic.pk]))


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "time_zone", "currency", "tax_regime", "gst_state", "is_active")
    list_filter = ("is_active", "city", "time_zone", "currency", "tax_regime")
    search_fields = ("name", "city", "address")
    fieldsets = (
        (None, {"fields": ("name", "address", "city", "time_zone", "phone", "is_active")}),
        (
            _("Money and tax"),
            {
                "fields": ("currency", "tax_regime", "gst_state", "gstin"),
                "description": _(
                    "Fees of visits here are in this currency; invoices follow the regime "
                    "(docs/billing.md). Changing them applies to invoices issued from now on."
                ),
            },
        ),
        (
            _("Booking service charge"),
            {
                "fields": (
                    "service_charge",
                    "service_charge_tax_category",
                    "service_charge_tax_rate",
                    "service_charge_tax_code",
                )
            },
        ),
    )


class _IsSetFilter(admin.SimpleListFilter):
    """Filter on whether a nullable timestamp is set."""

    field_name = ""
    yes_label = no_label = ""

    def lookups(self, request, model_admin):
        return [("yes", self.yes_label), ("no", self.no_label)]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{self.field_name}__isnull": self.value() == "no"})
        return queryset


class VerifiedFilter(_IsSetFilter):
    title = _("verified")
    parameter_name = "verified"
    field_name = "verified_at"
    yes_label, no_label = _("Verified"), _("Awaiting verification")


class HandledFilter(_IsSetFilter):
    title = _("handled")
    parameter_name = "handled"
    field_name = "handled_at"
    yes_label, no_label = _("Handled"), _("Open")


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = (
        "name",
        "duration_minutes",
        "price",
        "tax_category",
        "tax_rate",
        "tax_code",
        "is_active",
    )


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = (
        "display_name",
        "kind",
        "specialty_list",
        "consultation_fee",
        "offers_in_person",
        "offers_video",
        "is_verified",
        "user__state",
    )
    list_filter = (
        VerifiedFilter,
        "specialties",
        "kind",
        "gender",
        "offers_video",
        "languages",
        "user__state",
    )
    search_fields = ("user__full_name", "user__email", "qualifications", "registration_number")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    filter_horizontal = ("specialties", "languages")
    readonly_fields = ("verified_at", "verified_by")
    fieldsets = (
        (None, {"fields": ("user", "title", "kind", "gender")}),
        (
            _("Profile"),
            {
                "fields": (
                    "specialties",
                    "qualifications",
                    "registration_number",
                    "registration_council",
                    "years_experience",
                    "languages",
                    "bio",
                    "photo",
                )
            },
        ),
        (
            _("Visits"),
            {"fields": ("consultation_fee", ("offers_in_person", "offers_video"))},
        ),
        (
            _("Verification"),
            {
                "fields": ("verified_at", "verified_by"),
                "description": _("Verify or unverify with the actions on the practitioner list."),
            },
        ),
    )
    # scheduling/admin.py adds the weekly hours and booking rules to this page.
    inlines = (ServiceInline,)
    actions = ("verify_practitioners", "unverify_practitioners")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user", "verified_by")
            .prefetch_related("specialties")
        )

    @admin.display(description=_("name"), ordering="user__full_name")
    def display_name(self, obj):
        return obj.display_name

    @admin.display(description=_("specialties"))
    def specialty_list(self, obj):
        return ", ".join(s.name for s in obj.specialties.all())

    @admin.display(description=_("verified"), boolean=True, ordering="verified_at")
    def is_verified(self, obj):
        return obj.is_verified

    verify_practitioners = step_up_action(
        service_action(
            practitioner_verify, "practitioner", _("Verify selected practitioners"), _("Verified")
        )
    )
    unverify_practitioners = step_up_action(
        service_action(
            practitioner_unverify,
            "practitioner",
            _("Unverify selected practitioners"),
            _("Unverified"),
        )
    )


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "practitioner",
        "duration_minutes",
        "price",
        "tax_category",
        "is_active",
    )
    list_filter = ("is_active", "tax_category", "practitioner__specialties")
    search_fields = ("name", "practitioner__user__full_name")
    list_select_related = ("practitioner__user",)
    autocomplete_fields = ("practitioner",)


@admin.register(ContactMessage)
class ContactMessageAdmin(admin.ModelAdmin):
    """Messages from the public contact form: read them, then mark them handled."""

    list_display = ("subject", "name", "email", "phone", "created_at", "is_handled")
    list_filter = (HandledFilter, "created_at")
    search_fields = ("subject", "name", "email", "phone", "message")
    date_hierarchy = "created_at"
    fields = ("name", "email", "phone", "subject", "message", "created_at", "handled_at")
    readonly_fields = fields
    actions = ("mark_handled",)

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("handled"), boolean=True, ordering="handled_at")
    def is_handled(self, obj):
        return obj.handled_at is not None

    mark_handled = service_action(
        contact_message_mark_handled,
        "message",
        _("Mark selected messages as handled"),
        _("Marked as handled"),
    )
