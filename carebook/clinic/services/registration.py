"""Writes that bring people in: patients and practitioners signing up, staff adding a
practitioner. The clinic's policy (does a patient wait for approval?) is applied here."""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.accounts.services import ensure_staff, patient_create
from carebook.clinic.models import Clinic, Language, Practitioner, Service, Specialty
from carebook.clinic.services.guards import validate_or_refuse
from carebook.core.errors import InvalidInput
from carebook.core.events import PRACTITIONER_REGISTERED, emit
from carebook.core.timeutils import now as utcnow


@transaction.atomic
def patient_register(
    *, email: str, password: str, full_name: str, phone: str = "", **profile
) -> User:
    """Create a patient; pending when the clinic approves patients, active otherwise."""
    return patient_create(
        email=email,
        password=password,
        full_name=full_name,
        phone=phone,
        pending=Clinic.current().patients_need_approval,
        **profile,
    )


@transaction.atomic
def practitioner_register(
    *,
    email: str,
    password: str,
    full_name: str,
    phone: str = "",
    specialties: Iterable[Specialty] = (),
    **profile,
) -> Practitioner:
    """Create a practitioner account that stays pending until staff verify it."""
    user = User.objects.create_user(
        email,
        password,
        full_name=full_name,
        phone=phone,
        role=User.Role.PRACTITIONER,
        state=User.State.PENDING,
    )
    practitioner = Practitioner.objects.create(user=user, **profile)
    practitioner.specialties.set(specialties)
    emit(PRACTITIONER_REGISTERED, practitioner=practitioner)
    return practitioner


@transaction.atomic
def practitioner_create_verified(
    *,
    by: User,
    email: str,
    password: str,
    full_name: str,
    phone: str = "",
    title: str = "",
    kind: str = Practitioner.Kind.DOCTOR,
    specialties: Iterable[Specialty] = (),
    qualifications: str = "",
    registration_number: str = "",
    years_experience: int = 0,
    gender: str = "",
    languages: Iterable[Language] = (),
    consultation_fee: Decimal = Decimal("0"),
    offers_in_person: bool = True,
    offers_video: bool = False,
    service_name: str,
    service_minutes: int,
) -> Practitioner:
    """Create an active practitioner account, verified by `by`, offering one service.

    Hours and booking rules are scheduling's: `carebook.scheduling.onboarding` adds them.
    """
    ensure_staff(by)
    if not (offers_in_person or offers_video):
        raise InvalidInput(_("Offer in-person visits, video visits or both."))
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(_("An account with this email already exists."))
    user = User(
        email=email,
        full_name=full_name.strip(),
        phone=phone.strip(),
        role=User.Role.PRACTITIONER,
        state=User.State.ACTIVE,
    )
    user.set_password(password)
    validate_or_refuse(user)
    user.save()
    practitioner = Practitioner(
        user=user,
        title=title.strip(),
        kind=kind,
        qualifications=qualifications.strip(),
        registration_number=registration_number.strip(),
        years_experience=years_experience,
        gender=gender,
        consultation_fee=consultation_fee,
        offers_in_person=offers_in_person,
        offers_video=offers_video,
        verified_at=utcnow(),
        verified_by=by,
    )
    validate_or_refuse(practitioner, exclude=["photo"])
    practitioner.save()
    practitioner.specialties.set(specialties)
    practitioner.languages.set(languages)
    service = Service(
        practitioner=practitioner, name=service_name.strip(), duration_minutes=service_minutes
    )
    validate_or_refuse(service)
    service.save()
    return practitioner
