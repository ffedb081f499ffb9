from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carebook.accounts import credentials, mfa, services
from carebook.accounts.forms import (
    LoginForm,
    PasswordResetRequestForm,
    PatientProfileForm,
    ProfileForm,
)
from carebook.accounts.models import PatientProfile, User
from carebook.core.errors import DomainError
from carebook.core.timeutils import now as utcnow


def safe_next_url(request, default: str) -> str:
    """The `next` the request names if it stays on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def home_for(user: User) -> str:
    """Where a user lands after logging in."""
    if user.is_staff:
        return reverse_lazy("office:dashboard")
    if user.is_practitioner:
        return reverse_lazy("practice:today")
    return reverse_lazy("my_appointments")


PENDING = "carebook_login_pending"  # session key: a login that passed the password only
PENDING_FOR = 300  # seconds to finish it with a code


def pending_start(request, user: User, *, next_url: str) -> str:
    """Remember a user who gave the right password; the URL of the step that finishes it."""
    pending = {
        "user": user.pk,
        "at": utcnow().timestamp(),
        "next": str(next_url),
        "hash": user.get_session_auth_hash(),
    }
    if not mfa.mfa_enrolled(user):
        pending["key"] = mfa.totp_secret_new()
    request.session[PENDING] = pending
    return reverse("login_enrol" if "key" in pending else "login_code")


def pending_user(request) -> tuple[User | None, dict]:
    """The user whose login waits for a second factor in this session, if not too old."""
    pending = request.session.get(PENDING) or {}
    if not pending or utcnow().timestamp() - pending.get("at", 0) > PENDING_FOR:
        return None, {}
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    # A password changed meanwhile ends the half-done login.
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        return None, {}
    return user, pending


def pending_finish(request, user: User) -> str:
    """Log the waiting user in (both factors passed); where to go next."""
    pending = request.session.pop(PENDING, {})
    login(request, user)
    return pending.get("next") or home_for(user)


def login_view(request):
    form = LoginForm(request.POST or None, request=request)
    status = 200
    if request.method == "POST":
        # The throttle, the lockout and the password are decided in accounts.login.
        if form.is_valid():
            next_url = safe_next_url(request, home_for(form.user))
            if mfa.mfa_applies(form.user):
                return redirect(pending_start(request, form.user, next_url=next_url))
            login(request, form.user)
            return redirect(next_url)
        status = 429 if form.throttled else 400
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": safe_next_url(request, "")},
        status=status,
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("home")


@login_required
def pending(request):
    return render(request, "accounts/pending.html")


@login_required
def profile(request):
    user = request.user
    patient_profile = None
    if user.is_patient:
        # A GET never writes: an unsaved profile until the patient saves the form.
        patient_profile = PatientProfile.objects.filter(user=user).first() or PatientProfile(
            user=user
        )
    form = ProfileForm(request.POST or None, instance=user)
    extra = (
        PatientProfileForm(request.POST or None, instance=patient_profile)
        if patient_profile
        else None
    )
    if request.method == "POST" and form.is_valid() and (extra is None or extra.is_valid()):
        try:
            services.profile_update(
                user=user,
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
                time_zone=form.cleaned_data["time_zone"],
                **(extra.cleaned_data if extra else {}),
            )
        except DomainError as exc:
            form.add_error("phone", exc.message)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("profile")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "extra": extra},
        status=400 if request.method == "POST" else 200,
    )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # A new password ends every session, API token and calendar feed of the account.
        credentials.password_reset_complete(user=form.user, request=self.request)
        return response
