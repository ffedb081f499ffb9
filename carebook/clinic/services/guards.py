"""Checks every clinic write shares: who may manage a practitioner, and model validation."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model

from carebook.accounts.models import User
from carebook.clinic.models import Practitioner
from carebook.core.errors import InvalidInput, PermissionDenied


def ensure_can_manage_practitioner(practitioner: Practitioner, *, by: User) -> None:
    """Refuse unless `by` is this practitioner's own active account or clinic staff."""
    if not by.is_authenticated or not by.is_active:
        raise PermissionDenied()
    if by.is_staff:
        return
    if not (by.is_practitioner and practitioner.user_id == by.pk):
        raise PermissionDenied()


def validate_or_refuse(obj: Model, *, exclude: list[str] | None = None) -> None:
    """Run the model's validation; its complaints become one InvalidInput a person can read."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        parts = []
        for name, messages in exc.message_dict.items():
            if name == NON_FIELD_ERRORS:
                parts.extend(messages)
            else:
                label = str(obj._meta.get_field(name).verbose_name)
                parts.extend(f"{label[:1].upper()}{label[1:]}: {m}" for m in messages)
        raise InvalidInput(" ".join(parts)) from exc
