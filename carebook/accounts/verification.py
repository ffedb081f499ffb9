"""Proving an address: a signed link in a mail, followed (by POST) before a patient's first booking.

A self-registration starts with `User.email_verified_at` empty; accounts made by staff or the
system count as verified from the start. The mails go out from a task, after commit: the link to
confirm, or, when someone signs up with an address that already has an account, a note saying
so. Sign-up answers the same either way, so nobody learns from it who is registered.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from carebook.accounts import throttle
from carebook.accounts.identity import email_normalise
from carebook.accounts.models import User
from carebook.core.errors import InvalidInput, PermissionDenied
from carebook.core.tasks import retried, setting
from carebook.core.timeutils import now as utcnow

SALT = "carebook.accounts.email-verification"
MAIL_VERIFY = "verify"
MAIL_ALREADY_REGISTERED = "already_registered"
MAIL_KINDS = (MAIL_VERIFY, MAIL_ALREADY_REGISTERED)
RESEND_SCOPE = "verification_mail"
RESEND_WINDOW = timedelta(hours=1)
RESEND_PER_USER = 3


class EmailNotVerified(PermissionDenied):
    code = "email_not_verified"
    default_message = _(
        "Please confirm your email address before your first booking: follow the link in the "
        "mail we sent you when you registered."
    )


class VerificationLinkInvalid(InvalidInput):
    code = "verification_link_invalid"
    default_message = _("This confirmation link is not valid or has expired. Ask for a new one.")


def link_max_age() -> timedelta:
    return timedelta(days=int(getattr(settings, "CAREBOOK_EMAIL_VERIFY_DAYS", 7)))


def verification_token(*, user: User) -> str:
    """A signed, expiring token naming the user and the address it was sent to."""
    return signing.dumps({"u": user.pk, "e": email_normalise(user.email)}, salt=SALT)


def verification_user(*, token: str) -> User:
    """The user a token was made for, while the token is fresh and the address unchanged."""
    try:
        data = signing.loads(token, salt=SALT, max_age=link_max_age())
    except signing.BadSignature as exc:  # SignatureExpired included
        raise VerificationLinkInvalid() from exc
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or email_normalise(user.email) != data.get("e"):
        raise VerificationLinkInvalid()
    return user


def ensure_email_verified(user: User) -> None:
    """Refuse a user whose address is not confirmed yet (EmailNotVerified)."""
    if user.email_verified_at is None:
        raise EmailNotVerified()


@transaction.atomic
def email_verify(*, token: str) -> User:
    """Mark the token's user verified (once; following the link again changes nothing)."""
    user = verification_user(token=token)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        user.save(update_fields=["email_verified_at"])
    return user


def account_mail_enqueue(*, user: User, kind: str) -> None:
    """Queue one of the sign-up mails for `user`; sent by a task after commit."""
    if kind not in MAIL_KINDS:
        raise ValueError(f"Unknown account mail {kind!r}")
    account_mail_send.enqueue(user_id=user.pk, kind=kind)


def verification_mail_resend(*, user: User, request=None) -> None:
    """Send a fresh confirmation link to an unverified user, a few times an hour at most."""
    if user.email_verified_at is not None:
        raise InvalidInput(_("Your email address is already confirmed."))
    wait = throttle.rate_limit_hit(
        scope=RESEND_SCOPE,
        limits=[
            (f"user:{user.pk}", RESEND_PER_USER),
            (throttle.client_limit_key(request), RESEND_PER_USER * 3),
        ],
        window=RESEND_WINDOW,
    )
    if wait:
        raise throttle.RateLimited(retry_after=wait)
    account_mail_enqueue(user=user, kind=MAIL_VERIFY)


def base_url() -> str:
    return str(setting("CAREBOOK_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def account_mail(*, user: User, kind: str) -> tuple[str, str]:
    """The subject and text of a sign-up mail for `user`."""
    context = {
        "user": user,
        "base_url": base_url(),
        "login_url": base_url() + reverse("login"),
        "reset_url": base_url() + reverse("password_reset"),
        "days": link_max_age().days,
    }
    if kind == MAIL_VERIFY:
        context["verify_url"] = base_url() + reverse(
            "email_verify", args=[verification_token(user=user)]
        )
    subject = render_to_string(f"accounts/email/{kind}_subject.txt", context)
    body = render_to_string(f"accounts/email/{kind}.txt", context)
    return " ".join(subject.split()), body


@task()
@retried
def account_mail_send(*, user_id: int, kind: str, attempt: int = 1) -> None:
    """Send a sign-up mail (a confirmation link, or "you already have an account")."""
    user = User.objects.filter(pk=user_id).first()
    if user is None or (kind == MAIL_VERIFY and user.email_verified_at is not None):
        return
    subject, body = account_mail(user=user, kind=kind)
    send_mail(subject, body, None, [user.email])
