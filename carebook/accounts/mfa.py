"""The second factor: an authenticator app (TOTP) and ten single-use recovery codes (django-otp).

Staff and practitioners must have one; a patient may add one on their profile, and then it is
asked for at every door too. Sensitive actions also ask the person to prove it is still them if
their last authentication is older than STEP_UP_AGE (`step_up_required`).
"""

import hashlib
import hmac
import re
import secrets
from base64 import b32encode
from binascii import unhexlify
from datetime import timedelta
from functools import wraps
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from carebook.accounts.credentials import credentials_revoke
from carebook.accounts.models import User
from carebook.core.errors import DomainError
from carebook.core.security_log import security_event
from carebook.core.timeutils import now as utcnow

ISSUER = "carebook"
RECOVERY_CODES = 10
RECOVERY_CODE_GROUPS = 4  # of six base32 characters each: 120 random bits per code
STEP_UP_AGE = timedelta(minutes=10)
AUTH_AT = "carebook_auth_at"  # session key: when this session last proved who it is
TOTP_CODE = re.compile(r"^\d{6}$")
RECOVERY_CODE = re.compile(r"^[a-z2-7]{24}$")


class MfaRequired(DomainError):
    code = "mfa_required"
    default_message = _("Enter the 6-digit code from your authenticator app, or a recovery code.")


class MfaNotEnrolled(MfaRequired):
    default_message = _(
        "This account needs two-factor authentication. Log in on the website once to set up "
        "an authenticator app."
    )


class MfaInvalid(DomainError):
    code = "mfa_invalid"
    default_message = _("That code is not right, or it has already been used.")


class MfaThrottled(MfaInvalid):
    default_message = _("Too many wrong codes. Wait a minute, then try again.")


# --- who needs it, who has it ------------------------------------------------------------------


def mfa_mandatory(user: User) -> bool:
    """Staff and practitioners may not log in with a password alone."""
    return user.role in (User.Role.STAFF, User.Role.PRACTITIONER)


def mfa_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_applies(user: User) -> bool:
    """Whether a login of `user` needs a second factor (mandatory, or chosen by a patient)."""
    return mfa_mandatory(user) or mfa_enrolled(user)


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- enrolment ---------------------------------------------------------------------------------


def totp_secret_new() -> str:
    """A fresh 160-bit TOTP key, hex-encoded as django-otp stores it."""
    return random_hex(20)


def totp_secret_base32(key_hex: str) -> str:
    """The key as authenticator apps want it typed."""
    return b32encode(unhexlify(key_hex)).decode().rstrip("=")


def totp_uri(*, email: str, key_hex: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    label = quote(f"{ISSUER}:{email}")
    query = urlencode(
        {"secret": totp_secret_base32(key_hex), "issuer": ISSUER, "digits": 6, "period": 30}
    )
    return f"otpauth://totp/{label}?{query}"


def totp_qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (server-rendered, no script or style attribute)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, title=_t("QR code to scan"))


def recovery_code_digest(code: str) -> str:
    """What is stored for a recovery code: a keyed hash (16 characters, StaticToken's size)."""
    normal = re.sub(r"[\s-]", "", code).lower()
    mac = hmac.new(settings.SECRET_KEY.encode(), normal.encode(), hashlib.sha256).digest()
    return b32encode(mac).decode()[:16].lower()


def _recovery_code() -> str:
    raw = b32encode(secrets.token_bytes(15)).decode().lower()  # 24 characters, 120 bits
    return "-".join(raw[i : i + 6] for i in range(0, 6 * RECOVERY_CODE_GROUPS, 6))


def _recovery_codes_issue(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_digest(code)) for code in codes
    )
    return codes


def mfa_enrol(*, user: User, key_hex: str, code: str, request=None) -> list[str]:
    """Confirm a new authenticator with a code it shows; it replaces any earlier one.

    Returns ten fresh recovery codes, to be shown once (only keyed hashes are kept). Raises
    MfaInvalid when the code does not match the key.
    """
    totp = TOTP(unhexlify(key_hex))
    code = re.sub(r"\s", "", code or "")
    if not TOTP_CODE.match(code) or not totp.verify(int(code), tolerance=1):
        security_event(kind="mfa_failed", user=user, request=request, detail="enrolment")
        raise MfaInvalid()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        # last_t: the code just typed cannot be replayed to log in.
        TOTPDevice.objects.create(
            user=user, name="Authenticator app", key=key_hex, confirmed=True, last_t=totp.t()
        )
        codes = _recovery_codes_issue(user)
        security_event(kind="mfa_enrolled", user=user, request=request)
    return codes


def recovery_codes_regenerate(*, user: User, request=None) -> list[str]:
    """Replace the user's recovery codes with ten new ones (the old stop working)."""
    if not mfa_enrolled(user):
        raise MfaNotEnrolled()
    with transaction.atomic():
        codes = _recovery_codes_issue(user)
        security_event(kind="mfa_enrolled", user=user, request=request, detail="recovery codes")
    return codes


def mfa_disable(*, user: User, request=None) -> None:
    """A patient turns two-factor off again; staff and practitioners cannot."""
    if mfa_mandatory(user):
        raise DomainError(_("Two-factor authentication is required for your account."))
    with transaction.atomic():
        _devices_delete(user)
        security_event(kind="mfa_reset", user=user, request=request, detail="turned off by user")


def _devices_delete(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# --- verification ------------------------------------------------------------------------------


def looks_like_code(text: str) -> bool:
    """Whether `text` has the shape of a TOTP code or a recovery code (not of a password)."""
    compact = re.sub(r"[\s-]", "", text or "").lower()
    return bool(TOTP_CODE.match(compact) or RECOVERY_CODE.match(compact))


def mfa_verify(*, user: User, code: str, request=None) -> str:
    """Check a TOTP code or a recovery code of `user`; returns "totp" or "recovery".

    A recovery code works once. Wrong codes slow down per device (django-otp's throttling).
    Raises MfaRequired (no code), MfaNotEnrolled or MfaInvalid; each outcome is logged.
    Must not run inside a transaction that a failure rolls back: the failure count must stay.
    """
    code = (code or "").strip()
    if not code:
        raise MfaNotEnrolled() if not mfa_enrolled(user) else MfaRequired()
    compact = re.sub(r"\s", "", code)
    throttled = False
    with transaction.atomic():
        if TOTP_CODE.match(compact):
            how, devices = "totp", TOTPDevice.objects.select_for_update().filter(user=user)
            token = compact
        else:
            how, devices = "recovery", StaticDevice.objects.select_for_update().filter(user=user)
            token = recovery_code_digest(code)
        devices = list(devices.filter(confirmed=True))
        if not devices and not mfa_enrolled(user):
            raise MfaNotEnrolled()
        matched = None
        for device in devices:
            throttled = throttled or not device.verify_is_allowed()[0]
            if device.verify_token(token):
                matched = device
                break
    if matched is None:
        security_event(kind="mfa_failed", user=user, request=request, detail=how)
        raise MfaThrottled() if throttled else MfaInvalid()
    if how == "recovery":
        security_event(
            kind="recovery_code_used",
            user=user,
            request=request,
            detail=f"{recovery_codes_left(user)} left",
        )
    else:
        security_event(kind="mfa_verified", user=user, request=request)
    return how


# --- reset by staff ----------------------------------------------------------------------------


def mfa_reset(*, user: User, by: User, request=None) -> None:
    """Staff remove a person's authenticator and recovery codes (a lost phone).

    Every session and token of theirs ends; their next login sets up a new authenticator.
    """
    with transaction.atomic():
        _devices_delete(user)
        credentials_revoke(user=user, by=by, reason="two-factor reset", request=request)
        security_event(kind="mfa_reset", user=user, request=request, detail=f"by user {by.pk}")


# --- step-up -----------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="carebook.accounts.mfa.auth_mark_fresh")
def _on_login(sender, request, user, **kwargs):
    # Every login door asks for everything the account needs, so a login is an authentication.
    if request is not None and hasattr(request, "session"):
        auth_mark_fresh(request)


def auth_mark_fresh(request) -> None:
    """Record that this session proved who it is just now."""
    request.session[AUTH_AT] = utcnow().timestamp()


def auth_is_fresh(request) -> bool:
    """Whether this session authenticated within STEP_UP_AGE."""
    at = request.session.get(AUTH_AT) if hasattr(request, "session") else None
    if not isinstance(at, int | float):
        return False
    return utcnow().timestamp() - at < STEP_UP_AGE.total_seconds()


def _step_up_return(request) -> str:
    if request.method == "GET":
        return request.get_full_path()
    # A form's action cannot be replayed after a detour: go back to the page it was on.
    for target in (request.POST.get("next"), request.headers.get("Referer")):
        if target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return target
    return "/"


def step_up_required(view):
    """Log in first; then, if this session last authenticated more than ten minutes ago, ask
    for the password or a code again (at /account/confirm/) before the view runs."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if auth_is_fresh(request):
            return view(request, *args, **kwargs)
        if request.method != "GET":
            messages.info(request, _t("Confirm it is you, then do that again."))
        query = urlencode({"next": _step_up_return(request)})
        return redirect(f"{reverse('step_up')}?{query}")

    return wrapped


def step_up_action(action):
    """An admin action that asks for the password or a code again first, like
    `step_up_required` does for a page; the person is sent back to the list afterwards."""

    @wraps(action)
    def wrapped(modeladmin, request, queryset):
        if auth_is_fresh(request):
            return action(modeladmin, request, queryset)
        messages.info(request, _t("Confirm it is you, then do that again."))
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse('step_up')}?{query}")

    return wrapped
