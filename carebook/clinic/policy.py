"""Writes on the clinic-wide booking policy (pay at booking, holds), for the settings pages."""

from django.core.exceptions import ValidationError
from django.db import transaction

from carebook.accounts.models import User
from carebook.accounts.services import ensure_staff
from carebook.clinic.models import Clinic
from carebook.core.audit import audit_record
from carebook.core.errors import InvalidInput

_POLICY_FIELDS = ("payment_at_booking", "max_active_holds")


@transaction.atomic  # not durable: a settings page may save it with its own rules, in one go
def clinic_policy_update(
    *,
    by: User,
    payment_at_booking: bool | None = None,
    max_active_holds: int | None = None,
) -> Clinic:
    """Change the clinic-wide booking policy (staff only); None leaves a value as it is."""
    ensure_staff(by)
    clinic = Clinic.objects.select_for_update().get(pk=Clinic.current().pk)
    wanted = {"payment_at_booking": payment_at_booking, "max_active_holds": max_active_holds}
    changed = [name for name in _POLICY_FIELDS if wanted[name] is not None]
    changed = [name for name in changed if getattr(clinic, name) != wanted[name]]
    if not changed:
        return clinic
    for name in changed:
        setattr(clinic, name, wanted[name])
    try:
        clinic.full_clean()
    except ValidationError as exc:
        raise InvalidInput("; ".join(exc.messages)) from exc
    clinic.save(update_fields=changed)
    audit_record(by=by, obj=clinic, message=f"Changed {', '.join(changed)}.")
    return clinic
