"""Reads of accounts."""

from django.core.exceptions import ValidationError
from django.db.models import Q

from carebook.accounts.identity import phone_to_e164
from carebook.accounts.models import User


def user_get(*, pk: int) -> User | None:
    return User.objects.filter(pk=pk).first()


def patient_find(*, q: str, limit: int = 8) -> list[User]:
    """Active patients a front desk means by `q`: a phone number in any format (matched in
    E.164, as stored), or part of a name or email. At most `limit`, best first."""
    q = q.strip()[:100]
    if len(q) < 2:
        return []
    patients = User.objects.filter(role=User.Role.PATIENT, state=User.State.ACTIVE)
    digits = sum(ch.isdigit() for ch in q)
    if digits >= 6:
        try:
            phone = phone_to_e164(q, strict=False)
        except ValidationError:
            phone = ""
        if phone:
            found = list(patients.filter(phone=phone).order_by("full_name")[:limit])
            if found:
                return found
    by_text = patients.filter(Q(full_name__icontains=q) | Q(email__icontains=q))
    return list(by_text.order_by("full_name", "pk")[:limit])


def patient_exact(value: str) -> list[User]:
    """The active patients with exactly this email or phone (in any format): for a form that
    names one patient."""
    value = value.strip()
    patients = User.objects.filter(role=User.Role.PATIENT, state=User.State.ACTIVE)
    found = list(patients.filter(email__iexact=value)[:2])
    if found:
        return found
    try:
        phone = phone_to_e164(value, strict=False)
    except ValidationError:
        return []
    return list(patients.filter(phone=phone)[:2]) if phone else []


# The session key under which the front desk remembers whom it books for.
DESK_PATIENT = "office_booking_for"


def desk_patient(session) -> User | None:
    """The patient the front desk chose to book for, if any."""
    pk = session.get(DESK_PATIENT)
    return User.objects.filter(pk=pk, role=User.Role.PATIENT).first() if pk else None
