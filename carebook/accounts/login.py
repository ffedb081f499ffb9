"""Logging in, decided once for every door (site, API token, /admin/): throttle, password, and
the second factor where the account has or needs one (`mfa`).

Failures count per email and per client address in the database (see `throttle`), so a lockout
earned at one door holds at the others, in every web process. A wrong code counts as a failure
too, and the count is cleared only when the whole login succeeds.
"""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from carebook.accounts import mfa, throttle
from carebook.accounts.identity import email_normalise, phone_to_e164
from carebook.accounts.models import User
from carebook.core.errors import DomainError
from carebook.core.security_log import security_event


class LoginThrottled(DomainError):
    code = "throttled"
    default_message = _(
        "Too many failed attempts. Please wait a little and try again, or reset your password."
    )

    def __init__(self, message: str | None = None, *, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    default_message = _("That email (or phone) and password do not match an active account.")


class StepUpRefused(DomainError):
    code = "step_up_refused"
    default_message = _("That is not your password or a current code.")


def login_name(typed: str) -> str:
    """The email an account logs in with, from what was typed: an email, or a phone number
    someone proved theirs by SMS (`phone_claim`: a walk-in may have no other name). A number
    no account verified stays a number (E.164), so it is throttled like an unknown email."""
    typed = (typed or "").strip()
    if "@" in typed or sum(ch.isdigit() for ch in typed) < 6:
        return email_normalise(typed)
    try:
        phone = phone_to_e164(typed, strict=False)
    except ValidationError:
        return email_normalise(typed)
    email = (
        User.objects.filter(phone=phone, phone_verified_at__isnull=False)
        .values_list("email", flat=True)
        .first()
    )
    return email or phone


def _refuse_if_blocked(request, email: str) -> None:
    wait = throttle.login_wait(email=email, ip=throttle.client_ip(request))
    if wait:
        security_event(kind="throttled", email=email, request=request)
        raise LoginThrottled(retry_after=wait)


def login_attempt(*, request, email: str, password: str) -> User:
    """The active user these credentials belong to; refused while the throttle says wait.

    This is the first factor. When `mfa.mfa_applies(user)`, the login is not complete: the
    caller must then pass `second_factor_attempt` before letting the user in. Every failure is
    counted; a complete login clears the email's count. Raises LoginThrottled or
    InvalidCredentials. `email` may be a verified phone number (`login_name`).
    """
    email = login_name(email)
    _refuse_if_blocked(request, email)
    user = authenticate(request, username=email, password=password)
    if user is None or not user.is_active:
        throttle.login_failed(email=email, ip=throttle.client_ip(request))
        security_event(kind="login_failed", email=email, request=request)
        raise InvalidCredentials()
    if not mfa.mfa_applies(user):
        _login_complete(request, user)
    return user


def second_factor_attempt(*, request, user: User, code: str) -> str:
    """Complete the login of `user` (who passed `login_attempt`) with a TOTP or recovery code.

    Returns "totp" or "recovery". Raises LoginThrottled, mfa.MfaRequired (no code, or not
    enrolled yet) or mfa.MfaInvalid.
    """
    _refuse_if_blocked(request, user.email)
    try:
        how = mfa.mfa_verify(user=user, code=code, request=request)
    except mfa.MfaInvalid:
        throttle.login_failed(email=user.email, ip=throttle.client_ip(request))
        raise
    _login_complete(request, user)
    return how


def enrol_attempt(*, request, user: User, key_hex: str, code: str) -> list[str]:
    """Complete the login of `user` by setting up their first authenticator with `key_hex`.

    Returns the new recovery codes (shown once). Raises LoginThrottled or mfa.MfaInvalid.
    """
    _refuse_if_blocked(request, user.email)
    try:
        codes = mfa.mfa_enrol(user=user, key_hex=key_hex, code=code, request=request)
    except mfa.MfaInvalid:
        throttle.login_failed(email=user.email, ip=throttle.client_ip(request))
        raise
    _login_complete(request, user)
    return codes


def login_with_code(*, request, email: str, password: str, code: str = "") -> User:
    """Both factors at once, for the doors with one form (the API token, /admin/)."""
    user = login_attempt(request=request, email=email, password=password)
    if mfa.mfa_applies(user):
        second_factor_attempt(request=request, user=user, code=code)
    return user


def _login_complete(request, user: User) -> None:
    throttle.login_succeeded(email=user.email, ip=throttle.client_ip(request))
    security_event(kind="login", user=user, request=request)


def step_up(*, request, user: User, secret: str) -> None:
    """Accept the password or a current code of `user` as fresh proof that it is them.

    Shares the login throttle, so it is no side door for guessing. Raises LoginThrottled or
    StepUpRefused.
    """
    _refuse_if_blocked(request, user.email)
    secret = secret or ""
    ok = bool(secret) and user.check_password(secret)
    if not ok and mfa.looks_like_code(secret) and mfa.mfa_enrolled(user):
        try:
            mfa.mfa_verify(user=user, code=secret, request=request)
            ok = True
        except DomainError:
            ok = False
    if not ok:
        throttle.login_failed(email=user.email, ip=throttle.client_ip(request))
        security_event(kind="step_up", user=user, request=request, detail="refused")
        raise StepUpRefused()
    mfa.auth_mark_fresh(request)
    security_event(kind="step_up", user=user, request=request)


class AdminLoginForm(AdminAuthenticationForm):
    """/admin/login/ through `login_with_code`, so the site's throttle, lockout and second
    factor hold there too."""

    otp_token = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=40,
        help_text=_("The 6-digit code from your authenticator app, or a recovery code."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password") or ""
        if not email or not password:
            return self.cleaned_data
        try:
            self.user_cache = login_with_code(
                request=self.request,
                email=email,
                password=password,
                code=self.cleaned_data.get("otp_token") or "",
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
