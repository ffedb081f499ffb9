"""Writes on accounts: patient accounts, approval, suspension, the user's own profile."""

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from carebook.accounts.credentials import credentials_revoke
from carebook.accounts.identity import email_normalise
from carebook.accounts.models import WALK_IN_DOMAIN, PatientProfile, User
from carebook.core.audit import audit_record
from carebook.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from carebook.core.security_log import security_event
from carebook.core.timeutils import is_valid_zone


def ensure_staff(by: User) -> None:
    """Refuse anyone but active clinic staff."""
    if not by.is_authenticated or not by.is_staff:
        raise PermissionDenied()


@transaction.atomic
def patient_create(
    *, email: str, password: str, full_name: str, pending: bool, phone: str = "", **profile
) -> User:
    """Create a patient with a profile; `pending` ones wait for staff approval before booking.

    The clinic decides whether patients wait: see `clinic.services.patient_register`.
    """
    state = User.State.PENDING if pending else User.State.ACTIVE
    user = User.objects.create_user(
        email, password, full_name=full_name, phone=phone, role=User.Role.PATIENT, state=state
    )
    PatientProfile.objects.create(user=user, **profile)
    return user


@transaction.atomic
def user_approve(*, user: User, by: User) -> User:
    """Activate a pending account (a practitioner is verified separately, in clinic)."""
    ensure_staff(by)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.state != User.State.PENDING:
        raise IllegalTransition("Only a pending account can be approved.")
    user.state = User.State.ACTIVE
    user.save(update_fields=["state"])
    audit_record(by=by, obj=user, message="Account approved")
    return user


@transaction.atomic
def user_suspend(*, user: User, by: User, request=None) -> User:
    """Stop `user` logging in, and end their sessions, API tokens and calendar feeds."""
    ensure_staff(by)
    if user.pk == by.pk:
        raise IllegalTransition("You cannot suspend your own account.")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.state == User.State.SUSPENDED:
        raise IllegalTransition("This account is already suspended.")
    user.state, user.is_active = User.State.SUSPENDED, False
    user.save(update_fields=["state", "is_active"])
    audit_record(by=by, obj=user, message="Account suspended")
    security_event(kind="suspended", user=user, request=request, detail=f"by {by.email}")
    return credentials_revoke(user=user, by=by, reason="account suspended", request=request)


@transaction.atomic
def user_reactivate(*, user: User, by: User) -> User:
    """Let a suspended user log in again; sessions and tokens revoked on suspension stay so."""
    ensure_staff(by)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.state != User.State.SUSPENDED:
        raise IllegalTransition("Only a suspended account can be reactivated.")
    user.state, user.is_active = User.State.ACTIVE, True
    user.save(update_fields=["state", "is_active"])
    audit_record(by=by, obj=user, message="Account reactivated")
    return user


@transaction.atomic
def profile_update(
    *, user: User, full_name: str, phone: str, time_zone: str | None = None, **patient_fields
) -> User:
    before = User.objects.get(pk=user.pk)  # the form may have changed `user` already
    if phone != before.phone and before.phone_verified_at is not None and not before.has_mailbox:
        # A new number would not be verified, and this account has no other name to log in by.
        raise InvalidInput(
            _(
                "Your phone number is how you log in, so it cannot be changed here. The clinic's "
                "front desk can add your email first; then you can change it."
            )
        )
    user.full_name, user.phone = full_name, phone
    fields = ["full_name", "phone"]
    if time_zone is not None:
        if time_zone and not is_valid_zone(time_zone):
            raise InvalidInput(_("%(zone)s is not a time zone.") % {"zone": time_zone})
        user.time_zone = time_zone
        fields.append("time_zone")
    user.save(update_fields=fields)
    if user.is_patient and patient_fields:
        PatientProfile.objects.update_or_create(user=user, defaults=patient_fields)
    return user


@transaction.atomic
def walk_in_patient_create(*, full_name: str, phone: str, email: str = "", by: User) -> User:
    """A patient the front desk registers at the counter with a name and a phone (an email if
    they have one). No password: they claim the account later with a code texted to that phone
    (`phone_claim`) or through "Forgot password" on the email they gave (or one staff add). A
    phone that is already a patient's is refused."""
    ensure_staff(by)
    full_name, email = full_name.strip(), email_normalise(email) if email.strip() else ""
    if not full_name or not phone:
        raise InvalidInput(_("A walk-in patient needs a name and a phone number."))
    if User.objects.filter(role=User.Role.PATIENT, phone=phone).exists():
        raise IllegalTransition(_("A patient with this phone number exists: find them instead."))
    if email and User.objects.filter(email=email).exists():
        raise IllegalTransition(_("An account with this email exists: find them instead."))
    address = email or f"walk-in-{secrets.token_hex(8)}@{WALK_IN_DOMAIN}"
    user = User.objects.create_user(
        address,
        None,
        full_name=full_name,
        phone=phone,
        role=User.Role.PATIENT,
        state=User.State.ACTIVE,
    )
    PatientProfile.objects.create(user=user)
    audit_record(by=by, obj=user, message="Walk-in patient registered at the front desk")
    return user
