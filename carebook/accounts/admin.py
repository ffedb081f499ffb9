from collections.abc import Iterable

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, ReadOnlyPasswordHashField
from django.utils.translation import gettext_lazy as _

from carebook.accounts.credentials import credentials_revoke
from carebook.accounts.mfa import step_up_action
from carebook.accounts.models import FailedLogin, PatientProfile, User
from carebook.accounts.services import user_approve, user_reactivate, user_suspend
from carebook.core.access_log import AccessLog, access_log_record_reads
from carebook.core.admin import service_action
from carebook.core.security_log import security_event


def profiles_read(request, profiles: Iterable[PatientProfile]) -> None:
    """Log that the admin showed these patient profiles (birth date, blood group, contacts)."""
    access_log_record_reads(
        by=request.user,
        what=AccessLog.What.PATIENT_PROFILE,
        reads=[(p.user_id, p.pk) for p in profiles],
        door=AccessLog.Door.ADMIN,
        path=request.path,
    )


class UserCreationForm(BaseUserCreationForm):
    """Create an account with an email login; the password is hashed with set_password."""

    state = forms.ChoiceField(
        label=_("account state"),
        choices=[(User.State.ACTIVE, User.State.ACTIVE.label)]
        + [(User.State.PENDING, User.State.PENDING.label)],
        initial=User.State.ACTIVE,
    )

    class Meta:
        model = User
        fields = ("email", "full_name", "phone", "role", "state")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email


class UserChangeForm(forms.ModelForm):
    password = ReadOnlyPasswordHashField(
        label=_("Password"),
        help_text=_("Raw passwords are not stored, so there is no way to see the user’s password."),
    )

    class Meta:
        model = User
        fields = (
            "email",
            "password",
            "full_name",
            "phone",
            "role",
            "is_superuser",
            "groups",
            "user_permissions",
            "last_login",
            "date_joined",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user_permissions = self.fields.get("user_permissions")
        if user_permissions:
            user_permissions.queryset = user_permissions.queryset.select_related("content_type")

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()


class PatientProfileInline(admin.StackedInline):
    model = PatientProfile
    can_delete = False
    max_num = 1
    extra = 1
    fields = (
        ("date_of_birth", "gender", "blood_group"),
        ("address", "state"),
        ("emergency_contact_name", "emergency_contact_phone"),
    )


# Autocomplete widgets on these (model, field) pairs only offer users of the matching role.
AUTOCOMPLETE_ROLES = {
    ("practitioner", "user"): User.Role.PRACTITIONER,
    ("patientprofile", "user"): User.Role.PATIENT,
    ("appointment", "patient"): User.Role.PATIENT,
}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    add_form_template = None
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone")}),
        (
            _("Role and state"),
            {
                "fields": ("role", "state", "is_active"),
                "description": _(
                    "Approve, suspend and reactivate accounts with the actions on the user list."
                ),
            },
        ),
        (
            _("Permissions"),
            {
                "classes": ("collapse",),
                "fields": ("is_superuser", "groups", "user_permissions"),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "phone",
                    "role",
                    "state",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = (
        "email",
        "full_name",
        "phone",
        "role",
        "state",
        "is_superuser",
        "date_joined",
        "last_login",
    )
    list_filter = ("role", "state", "is_superuser")
    search_fields = ("email", "full_name", "phone")
    ordering = ("full_name", "id")
    date_hierarchy = "date_joined"
    filter_horizontal = ("groups", "user_permissions")
    readonly_fields = ("state", "is_active", "last_login", "date_joined")
    actions = ("approve_users", "suspend_users", "reactivate_users")

    def get_readonly_fields(self, request, obj=None):
        # The add form sets the initial state itself; afterwards only the actions change it.
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        if obj is not None and (obj.is_patient or hasattr(obj, "patient_profile")):
            return [PatientProfileInline]
        return []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        profile = getattr(obj, "patient_profile", None) if obj is not None else None
        if profile is not None:
            profiles_read(request, [profile])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = request.resolver_match
        if match is not None and match.url_name == "autocomplete":
            role = AUTOCOMPLETE_ROLES.get(
                (request.GET.get("model_name"), request.GET.get("field_name"))
            )
            if role is not None:
                queryset = queryset.filter(role=role)
        return queryset, may_have_duplicates

    approve_users = step_up_action(
        service_action(user_approve, "user", _("Approve selected pending accounts"), _("Approved"))
    )
    suspend_users = step_up_action(
        service_action(user_suspend, "user", _("Suspend selected accounts"), _("Suspended"))
    )
    reactivate_users = step_up_action(
        service_action(
            user_reactivate, "user", _("Reactivate selected suspended accounts"), _("Reactivated")
        )
    )

    def user_change_password(self, request, id, form_url=""):
        """The admin's set-password form: a new password also ends every session, API token
        and calendar feed of the account, as at every other door."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            credentials_revoke(user=user, by=request.user, reason="password set in the admin")
            security_event(kind="password_changed", user=user, request=request)
        return response


@admin.register(PatientProfile)
class PatientProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "date_of_birth", "gender", "blood_group", "emergency_contact_phone")
    list_filter = ("gender", "blood_group")
    search_fields = ("user__full_name", "user__email", "user__phone", "emergency_contact_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            profiles_read(request, [obj])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            profiles_read(request, changelist.result_list)
        return response


@admin.register(FailedLogin)
class FailedLoginAdmin(admin.ModelAdmin):
    """Failed logins, kept briefly for throttling; delete an address's rows to lift a block."""

    list_display = ("at", "email", "ip")
    search_fields = ("email", "ip")
    date_hierarchy = "at"
    fields = ("at", "email", "ip")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
