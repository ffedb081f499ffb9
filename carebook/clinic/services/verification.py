"""Writes on a practitioner's standing with the clinic: verify, unverify, reject."""

import logging

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.accounts.services import ensure_staff, user_suspend
from carebook.clinic.models import Practitioner
from carebook.core.audit import audit_record
from carebook.core.errors import IllegalTransition, InvalidInput
from carebook.core.events import PRACTITIONER_TOPIC, STAFF_TASK_DONE, emit
from carebook.core.timeutils import now as utcnow

logger = logging.getLogger(__name__)

# The admin log keeps why a registration was turned down (the office reads it back).
REGISTRATION_REJECTED = "Registration rejected: "


@transaction.atomic
def practitioner_verify(*, practitioner: Practitioner, by: User) -> Practitioner:
    """Mark a practitioner verified by `by`; a pending account becomes active with it."""
    ensure_staff(by)
    practitioner = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
    if practitioner.is_verified:
        raise IllegalTransition(_("This practitioner is already verified."))
    user = User.objects.select_for_update().get(pk=practitioner.user_id)
    practitioner.verified_at = utcnow()
    practitioner.verified_by = by
    practitioner.save(update_fields=["verified_at", "verified_by"])
    if user.state == User.State.PENDING:
        user.state = User.State.ACTIVE
        user.save(update_fields=["state"])
    practitioner.user = user
    audit_record(by=by, obj=practitioner, message="Registration verified")
    emit(STAFF_TASK_DONE, topic=PRACTITIONER_TOPIC.format(pk=practitioner.pk))
    return practitioner


@transaction.atomic
def practitioner_unverify(*, practitioner: Practitioner, by: User) -> Practitioner:
    """Withdraw a practitioner's verification; they take no new bookings until verified again."""
    ensure_staff(by)
    practitioner = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
    if not practitioner.is_verified:
        raise IllegalTransition(_("This practitioner is not verified."))
    practitioner.verified_at = None
    practitioner.verified_by = None
    practitioner.save(update_fields=["verified_at", "verified_by"])
    audit_record(by=by, obj=practitioner, message="Verification withdrawn")
    return practitioner


@transaction.atomic
def practitioner_registration_reject(
    *, practitioner: Practitioner, by: User, reason: str
) -> Practitioner:
    """Turn down a registration: the practitioner stays unverified, the account is suspended,
    and the reason is kept in the admin log under `by`'s name."""
    ensure_staff(by)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give the reason for rejecting this registration."))
    practitioner = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
    if practitioner.is_verified:
        raise IllegalTransition(
            _("This practitioner is already verified; withdraw the verification instead.")
        )
    user = User.objects.get(pk=practitioner.user_id)
    if user.state == User.State.SUSPENDED:
        raise IllegalTransition(_("This registration is already rejected."))
    practitioner.user = user_suspend(user=user, by=by)
    LogEntry.objects.log_actions(
        user_id=by.pk,
        queryset=[practitioner],
        action_flag=CHANGE,
        change_message=f"{REGISTRATION_REJECTED}{reason}",
        single_object=True,
    )
    logger.info(
        "Practitioner %s registration rejected by user %s: %s", practitioner.pk, by.pk, reason
    )
    emit(STAFF_TASK_DONE, topic=PRACTITIONER_TOPIC.format(pk=practitioner.pk))
    return practitioner
