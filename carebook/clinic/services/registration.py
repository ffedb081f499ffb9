"""Writes that bring people in: patients and practitioners signing up, staff adding a
practitioner. The clinic's policy (does a patient wait for approval?) is applied here.

`patient_sign_up` and `practitioner_sign_up` are what a stranger reaches: they answer the same
whether or not the address has an account (the mailbox is told which), start the account with an
unconfirmed address, and are limited per address and per client. `patient_register` and
`practitioner_register` create the account itself (the demo seeds through them).
"""

from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from carebook.accounts import throttle
from carebook.accounts.identity import birth_date_check, email_check, phone_to_e164
from carebook.accounts.models import User
from carebook.accounts.services import ensure_staff, patient_create
from carebook.accounts.verification import (
    MAIL_ALREADY_REGISTERED,
    MAIL_VERIFY,
    account_mail_enqueue,
)
from carebook.clinic.models import Clinic, Language, Practitioner, Service, Specialty
from carebook.clinic.services.guards import validate_or_refuse
from carebook.core.errors import InvalidInput
from carebook.core.events import PRACTITIONER_REGISTERED, emit
from carebook.core.timeutils import now as utcnow

SIGN_UP_SCOPE = "sign_up"
SIGN_UP_WINDOW = timedelta(hours=1)
SIGN_UPS_PER_EMAIL = 3
SIGN_UPS_PER_CLIENT = 10


def _checked(check: Callable, value):
    """`value` through an identity check; its ValidationError becomes InvalidInput."""
    try:
        return check(value)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0]) from exc


def _phone(raw: str) -> str:
    return phone_to_e164(raw, strict=False)


def _identity(*, email: str, phone: str) -> tuple[str, str]:
    return _checked(email_check, email), _checked(_phone, phone)


@transaction.atomic
def patient_register(
    *, email: str, password: str, full_name: str, phone: str = "", **profile
) -> User:
    """Create a patient; pending when the clinic approves patients, active otherwise."""
    email, phone = _identity(email=email, phone=phone)
    if "date_of_birth" in profile:
        profile["date_of_birth"] = _checked(birth_date_check, profile["date_of_birth"])
    return patient_create(
        email=email,
        password=password,
        full_name=full_name,
        phone=phone,
        pending=Clinic.current().patients_need_approval,
        **profile,
    )


def _sign_up(*, email: str, password: str, request, create: Callable[[str], User]) -> None:
    """Create the account with an unconfirmed address and send the link, or, when the address
    has an account already, tell its owner by mail. The caller cannot tell which happened."""
    email = _checked(email_check, email)
    wait = throttle.rate_limit_hit(
        scope=SIGN_UP_SCOPE,
        limits=[
            (throttle.email_limit_key(email), SIGN_UPS_PER_EMAIL),
            (throttle.client_limit_key(request), SIGN_UPS_PER_CLIENT),
        ],
        window=SIGN_UP_WINDOW,
    )
    if wait:
        raise throttle.RateLimited(retry_after=wait)
    existing = User.objects.filter(email=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = create(email)
        except (IntegrityError, ValidationError):
            # Signed up a moment ago, in another request; anything else is a real error.
            existing = User.objects.filter(email=email).first()
            if existing is None:
                raise
    if existing is not None:
        make_password(password)  # as slow as creating the account, so timing tells nothing
        account_mail_enqueue(user=existing, kind=MAIL_ALREADY_REGISTERED)
        return
    User.objects.filter(pk=user.pk).update(email_verified_at=None)
    account_mail_enqueue(user=user, kind=MAIL_VERIFY)


@transaction.atomic
def patient_sign_up(
    *, email: str, password: str, full_name: str, phone: str = "", request=None, **profile
) -> None:
    """A patient signing themself up (see `_sign_up`); they book once the address is confirmed.

    Raises InvalidInput for details that can never be right and RateLimited when this address
    or client signed up too often; neither depends on whether the address has an account.
    """
    email, phone = _identity(email=email, phone=phone)
    if "date_of_birth" in profile:
        profile["date_of_birth"] = _checked(birth_date_check, profile["date_of_birth"])
    _sign_up(
        email=email,
        password=password,
        request=request,
        create=lambda address: patient_register(
            email=address, password=password, full_name=full_name, phone=phone, **profile
        ),
    )


@transaction.atomic
def practitioner_sign_up(
    *,
    email: str,
    password: str,
    full_name: str,
    phone: str = "",
    specialties: Iterable[Specialty] = (),
    request=None,
    **profile,
) -> None:
    """A practitioner applying to join (see `_sign_up`); staff verify them before they list."""
    email, phone = _identity(email=email, phone=phone)
    _sign_up(
        email=email,
        password=password,
        request=request,
        create=lambda address: (
            practitioner_register(
                email=address,
                password=password,
                full_name=full_name,
                phone=phone,
                specialties=specialties,
                **profile,
            ).user
        ),
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
    email, phone = _identity(email=email, phone=phone)
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
    email, phone = _identity(email=email, phone=phone)
    if User.objects.filter(email=email).exists():
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
