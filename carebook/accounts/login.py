"""Logging in, decided once for every door (site, API token, /admin/): throttle, then password.

Failures count per email and per client address in the database (see `throttle`), so a lockout
earned at one door holds at the others, in every web process.
"""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _

from carebook.accounts import throttle
from carebook.core.errors import DomainError


class LoginThrottled(DomainError):
    code = "throttled"
    default_message = _("Too many failed attempts. Please wait 15 minutes or reset your password.")
    retry_after = int(throttle.WINDOW.total_seconds())


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    default_message = _("That email and password do not match an active account.")


def login_attempt(*, request, email: str, password: str):
    """The active user these credentials belong to; refused while the throttle says wait.

    Every failure is counted, a success clears the email's count. Raises LoginThrottled or
    InvalidCredentials.
    """
    email = email.strip().lower()
    ip = throttle.client_ip(request)
    if throttle.login_blocked(email=email, ip=ip):
        raise LoginThrottled()
    user = authenticate(request, username=email, password=password)
    if user is None or not user.is_active:
        throttle.login_failed(email=email, ip=ip)
        raise InvalidCredentials()
    throttle.login_succeeded(email=email)
    return user


class AdminLoginForm(AdminAuthenticationForm):
    """/admin/login/ through `login_attempt`, so the site's throttle and lockout hold there too."""

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password") or ""
        if not email or not password:
            return self.cleaned_data
        try:
            self.user_cache = login_attempt(request=self.request, email=email, password=password)
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
