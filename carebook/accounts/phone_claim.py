"""Claiming an account by phone: a walk-in the front desk registered with only a phone number
proves the number with a code by SMS, then sets a password (and, if they like, an email).

Asking for a code answers the same, in the same time, whether or not the number is an
unclaimed account's (the lookup runs after commit, in `claim_code_issue`), and is limited per
number and per client. A code has six digits, lives `CODE_LIFETIME`, dies after
`ClaimCode.MAX_TRIES` wrong tries, and a newer one ends it. It is never stored, not even in the
task queue: like Django's password-reset tokens it is an HMAC under the site's secret key, of a
random nonce kept in the code's row, and notifications composes the SMS from the row when it
sends it (`live_code`). Accounts does not send the SMS: it emits `PHONE_CODE_ISSUED` in its
transaction and notifications queues the message.
"""

import secrets
from datetime import datetime, timedelta

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from carebook.accounts import throttle
from carebook.accounts.identity import email_check, phone_to_e164
from carebook.accounts.models import ClaimCode, User
from carebook.accounts.verification import MAIL_VERIFY, account_mail_enqueue
from carebook.core import events
from carebook.core.errors import InvalidInput
from carebook.core.security_log import security_event
from carebook.core.tasks import retried
from carebook.core.timeutils import now as utcnow
from carebook.core.transactions import atomic_write

KEY_SALT = "carebook.accounts.phone_claim"
CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
WINDOW = timedelta(hours=1)
CODES_PER_PHONE = 3  # codes a number may be sent in WINDOW
CODES_PER_CLIENT = 10
CODES_PER_SITE = 300  # every number together: what an attacker with many addresses can cost
DAY = timedelta(hours=24)
CODES_PER_PHONE_DAY = 5  # 25 guesses a day at most, and at most 5 texts, per number
SCOPE_SEND_DAY = "claim_code_day"
TRIES_PER_CLIENT = 30  # codes a client may type in WINDOW, across every number
SCOPE_SEND = "claim_code"
SCOPE_TRY = "claim_code_try"


class ClaimCodeInvalid(InvalidInput):
    code = "claim_code_invalid"
    default_message = _(
        "That code is not right, or it has expired. Check the SMS, or ask for a new code."
    )


def phone_normalise(raw: str) -> str:
    """The number in E.164 as the front desk stored it; InvalidInput if it is not a number."""
    try:
        phone = phone_to_e164(raw, strict=False)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0]) from exc
    if not phone:
        raise InvalidInput(_("Enter your phone number."))
    return phone


def code_for(claim: ClaimCode) -> str:
    """The six digits of `claim`, derived again each time (they are never stored)."""
    message = f"{claim.pk}:{claim.user_id}:{claim.phone}:{claim.nonce}"
    digest = salted_hmac(KEY_SALT, message, algorithm="sha256").digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def _claimable(phone: str) -> User | None:
    """The one active patient with this phone who has never had a password and never logged
    in, if exactly one, and no other account logs in with the number already. (An account
    whose password was switched off, say after a compromise, is not claimable: it logged in.)"""
    if User.objects.filter(phone=phone, phone_verified_at__isnull=False).exists():
        return None
    found = list(
        User.objects.filter(
            role=User.Role.PATIENT,
            is_active=True,
            phone=phone,
            password__startswith=UNUSABLE_PASSWORD_PREFIX,
            last_login__isnull=True,
        )[:2]
    )
    return found[0] if len(found) == 1 else None


def claim_code_request(*, phone: str, request=None) -> str:
    """Ask for a claim code to be texted to `phone`; the number in E.164.

    The request does the same work whoever the number belongs to (count, log, queue), so
    neither its answer nor its time tells who is registered: `claim_code_issue` looks the
    number up after commit. Raises InvalidInput for something that is not a phone number, and
    throttle.RateLimited when this number or client asked too often.
    """
    phone = phone_normalise(phone)
    wait = throttle.rate_limit_hit(
        scope=SCOPE_SEND,
        limits=[
            (f"phone:{phone}", CODES_PER_PHONE),
            (throttle.client_limit_key(request), CODES_PER_CLIENT),
            ("site", CODES_PER_SITE),
        ],
        window=WINDOW,
    ) or throttle.rate_limit_hit(
        scope=SCOPE_SEND_DAY, limits=[(f"phone:{phone}", CODES_PER_PHONE_DAY)], window=DAY
    )
    if wait:
        security_event(kind="throttled", request=request, detail=f"claim code for {phone}")
        raise throttle.RateLimited(retry_after=wait)
    security_event(
        kind="password_reset_requested", request=request, detail=f"claim code for {phone}"
    )
    claim_code_issue.enqueue(phone=phone, asked_at=utcnow().isoformat())
    return phone


@task()
@retried
def claim_code_issue(*, phone: str, asked_at: str, attempt: int = 1) -> str:
    """Issue a code for the unclaimed account with this phone, if there is one; once per
    request however often this runs."""
    user = _claimable(phone)
    if user is None:
        return "no unclaimed account"
    if ClaimCode.objects.filter(
        user=user, created_at__gte=datetime.fromisoformat(asked_at)
    ).exists():
        return "already issued"
    _code_issue(user=user, phone=phone)
    return "issued"


@atomic_write
def _code_issue(*, user: User, phone: str) -> ClaimCode:
    now = utcnow()
    user = User.objects.select_for_update().get(pk=user.pk)
    ClaimCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    claim = ClaimCode.objects.create(
        user=user,
        phone=phone,
        nonce=secrets.token_hex(16),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    security_event(kind="password_reset_requested", user=user, detail="claim code by SMS")
    events.emit(events.PHONE_CODE_ISSUED, claim=claim)
    return claim


def live_code(*, claim_id: int) -> str | None:
    """The code of a claim still worth sending, else None (used, ended or expired)."""
    claim = ClaimCode.objects.filter(pk=claim_id).first()
    if claim is None or not claim.is_live(utcnow()):
        return None
    return code_for(claim)


def phone_claim_complete(
    *, phone: str, code: str, password: str, email: str = "", request=None
) -> User:
    """Claim the account the code was texted for: set its password (and email, to be confirmed
    by the usual link), mark the phone verified. The caller logs the user in.

    Raises ClaimCodeInvalid (the same for an unknown number, a wrong, used or expired code),
    throttle.RateLimited, InvalidInput for an email another account has, and ValidationError
    for a password the validators refuse (the code then stays usable).
    """
    phone = phone_normalise(phone)
    wait = throttle.rate_limit_hit(
        scope=SCOPE_TRY,
        limits=[(throttle.client_limit_key(request), TRIES_PER_CLIENT)],
        window=WINDOW,
    )
    if wait:
        security_event(kind="throttled", request=request, detail=f"claim code for {phone}")
        raise throttle.RateLimited(retry_after=wait)
    user = _claim(phone=phone, code=code, password=password, email=email, request=request)
    if user is None:
        security_event(kind="login_failed", request=request, detail=f"wrong claim code for {phone}")
        raise ClaimCodeInvalid()
    return user


@atomic_write
def _claim(*, phone: str, code: str, password: str, email: str, request) -> User | None:
    """The claimed user, or None for a wrong code (its try is counted and kept)."""
    now = utcnow()
    claim = (
        ClaimCode.objects.select_for_update()
        .filter(phone=phone, used_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    if claim is None or not claim.is_live(now):
        return None
    code = "".join((code or "").split())
    if not constant_time_compare(code_for(claim), code):
        claim.attempts += 1
        claim.save(update_fields=["attempts"])
        return None
    user = User.objects.select_for_update().get(pk=claim.user_id)
    if (
        user.has_usable_password()
        or user.last_login is not None
        or user.role != User.Role.PATIENT
        or not user.is_active
        or user.phone != phone
    ):
        return None
    password_validation.validate_password(password, user)
    fields = ["password", "phone_verified_at"]
    email = email_check(email) if email.strip() else ""
    # An address another account holds is left out without saying so: the answer must not
    # tell a code holder which addresses are registered (they can add one later).
    taken = User.objects.filter(email=email).exclude(pk=user.pk).exists() if email else False
    if email and email != user.email and not taken:
        user.email, user.email_verified_at = email, None
        fields += ["email", "email_verified_at"]
    user.set_password(password)
    user.phone_verified_at = now
    user.save(update_fields=fields)
    claim.used_at = now
    claim.save(update_fields=["used_at"])
    ClaimCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    security_event(
        kind="password_reset", user=user, request=request, detail="account claimed by phone code"
    )
    if "email" in fields:
        account_mail_enqueue(user=user, kind=MAIL_VERIFY)
    return user
