"""Writes on the clinic directory: verifying practitioner registrations."""

from django.db import transaction
from django.utils.translation import gettext as _

from carebook.accounts.models import User
from carebook.accounts.services import ensure_staff
from carebook.clinic.models import ContactMessage, Practitioner
from carebook.core.audit import audit_record
from carebook.core.errors import IllegalTransition, PermissionDenied
from carebook.core.timeutils import now as utcnow


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
def contact_message_create(*, name: str, email: str, subject: str, message: str, phone: str = ""):
    """Store a message from the public contact form for staff."""
    from carebook.clinic.models import ContactMessage
    from carebook.notifications.services import notify_staff_contact_message

    contact = ContactMessage.objects.create(
        name=name, email=email, phone=phone, subject=subject, message=message
    )
    notify_staff_contact_message(message=contact)
    return contact


@transaction.atomic
def contact_message_mark_handled(*, message: ContactMessage, by: User) -> ContactMessage:
    """Record that staff have dealt with a contact-form message."""
    ensure_staff(by)
    message = ContactMessage.objects.select_for_update().get(pk=message.pk)
    if message.handled_at is not None:
        raise IllegalTransition(_("This message is already marked as handled."))
    message.handled_at = utcnow()
    message.save(update_fields=["handled_at"])
    return message


# --- The practitioner's own services and profile (the practice workspace) ----------------------
# Appended as one section while others edit the file above; the imports can join the top later.

from collections.abc import Iterable  # noqa: E402
from decimal import Decimal  # noqa: E402
from uuid import uuid4  # noqa: E402

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError  # noqa: E402
from django.core.files.uploadedfile import UploadedFile  # noqa: E402
from django.db.models import Model  # noqa: E402
from PIL import Image, UnidentifiedImageError  # noqa: E402

from carebook.clinic.models import Language, Service, Specialty  # noqa: E402
from carebook.core.errors import InvalidInput  # noqa: E402

PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_MAX_SIDE = 6000
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


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


def practitioner_photo_check(photo: UploadedFile) -> str:
    """Refuse anything but a JPEG, PNG or WebP image of at most 2 MB; return its extension."""
    if photo.size is None or photo.size > PHOTO_MAX_BYTES:
        raise InvalidInput(_("The photo must be 2 MB or smaller."))
    photo.seek(0)
    try:
        with Image.open(photo) as image:
            kind, size = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise InvalidInput(_("The photo is not an image we can read.")) from exc
    finally:
        photo.seek(0)
    if kind not in PHOTO_FORMATS:
        raise InvalidInput(_("Please upload a JPEG, PNG or WebP photo."))
    if max(size) > PHOTO_MAX_SIDE:
        raise InvalidInput(_("The photo is too large; please use one under 6000 pixels a side."))
    return PHOTO_FORMATS[kind]


def _refuse_duplicate_service(practitioner: Practitioner, name: str, *, exclude_pk=None) -> None:
    clash = Service.objects.filter(practitioner=practitioner, name__iexact=name, is_active=True)
    if clash.exclude(pk=exclude_pk).exists():
        raise InvalidInput(_("You already offer a service with this name."))


@transaction.atomic
def service_create(
    *,
    practitioner: Practitioner,
    name: str,
    duration_minutes: int,
    price: Decimal | None = None,
    by: User,
) -> Service:
    """Offer a new kind of visit; no price means the practitioner's consultation fee."""
    ensure_can_manage_practitioner(practitioner, by=by)
    service = Service(
        practitioner=practitioner,
        name=name.strip(),
        duration_minutes=duration_minutes,
        price=price,
    )
    validate_or_refuse(service)
    _refuse_duplicate_service(practitioner, service.name)
    service.save()
    return service


@transaction.atomic
def service_update(
    *,
    service: Service,
    name: str,
    duration_minutes: int,
    price: Decimal | None,
    is_active: bool,
    by: User,
) -> Service:
    """Change a service; a deactivated one is no longer bookable, booked visits keep theirs."""
    service = Service.objects.select_for_update().select_related("practitioner").get(pk=service.pk)
    ensure_can_manage_practitioner(service.practitioner, by=by)
    service.name = name.strip()
    service.duration_minutes = duration_minutes
    service.price = price
    service.is_active = is_active
    validate_or_refuse(service)
    if is_active:
        _refuse_duplicate_service(service.practitioner, service.name, exclude_pk=service.pk)
    service.save()
    return service


@transaction.atomic
def practitioner_profile_update(
    *,
    practitioner: Practitioner,
    title: str,
    kind: str,
    specialties: Iterable[Specialty],
    qualifications: str,
    registration_number: str,
    years_experience: int,
    gender: str,
    languages: Iterable[Language],
    bio: str,
    consultation_fee: Decimal,
    offers_in_person: bool,
    offers_video: bool,
    photo: UploadedFile | None = None,
    remove_photo: bool = False,
    by: User,
) -> Practitioner:
    """Update the public profile. Once verified, only staff may change the registration number."""
    ensure_can_manage_practitioner(practitioner, by=by)
    practitioner = Practitioner.objects.select_for_update().get(pk=practitioner.pk)
    registration_number = registration_number.strip()
    if (
        practitioner.is_verified
        and registration_number != practitioner.registration_number
        and not by.is_staff
    ):
        raise InvalidInput(
            _("Your registration number is verified; please ask the clinic to change it.")
        )
    if not (offers_in_person or offers_video):
        raise InvalidInput(_("Offer in-person visits, video visits or both."))
    practitioner.title = title.strip()
    practitioner.kind = kind
    practitioner.qualifications = qualifications.strip()
    practitioner.registration_number = registration_number
    practitioner.years_experience = years_experience
    practitioner.gender = gender
    practitioner.bio = bio.strip()
    practitioner.consultation_fee = consultation_fee
    practitioner.offers_in_person = offers_in_person
    practitioner.offers_video = offers_video
    validate_or_refuse(practitioner, exclude=["user", "verified_by", "photo"])
    old_photo = practitioner.photo.name
    if photo is not None:
        extension = practitioner_photo_check(photo)
        # A fresh random name: the uploader's file name says nothing to the public.
        practitioner.photo.save(f"{uuid4().hex}.{extension}", photo, save=False)
    elif remove_photo:
        practitioner.photo = ""
    practitioner.save()
    practitioner.specialties.set(specialties)
    practitioner.languages.set(languages)
    if old_photo and old_photo != practitioner.photo.name:
        storage = practitioner.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))
    return practitioner


# --- The clinic office: rejecting registrations, practitioners created by staff -------------
# Appended as one section while others edit the file above; the imports can join the top later.

import logging  # noqa: E402
from datetime import time  # noqa: E402

from django.contrib.admin.models import CHANGE, LogEntry  # noqa: E402

from carebook.clinic.models import Location  # noqa: E402

logger = logging.getLogger(__name__)

# The admin log keeps why a registration was turned down (the office reads it back).
REGISTRATION_REJECTED = "Registration rejected: "


@transaction.atomic
def practitioner_registration_reject(
    *, practitioner: Practitioner, by: User, reason: str
) -> Practitioner:
    """Turn down a registration: the practitioner stays unverified, the account is suspended,
    and the reason is kept in the admin log under `by`'s name."""
    from carebook.accounts.services import user_suspend

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
    return practitioner


@transaction.atomic
def practitioner_create_by_staff(
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
    location: Location,
    weekdays: Iterable[int],
    start_time: time,
    end_time: time,
) -> Practitioner:
    """Create a practitioner patients can book at once: an active account, a profile verified
    by `by`, one service, default booking rules and weekly hours at one location."""
    from carebook.scheduling.models import AvailabilityWindow, BookingRules

    ensure_staff(by)
    days = sorted(set(weekdays))
    if not days or any(day not in range(7) for day in days):
        raise InvalidInput(_("Choose at least one working day."))
    if end_time <= start_time:
        raise InvalidInput(_("The working day must end after it starts."))
    opens, closes = start_time.hour * 60 + start_time.minute, end_time.hour * 60 + end_time.minute
    if service_minutes > closes - opens:
        raise InvalidInput(_("The visit is longer than the working hours."))
    if not location.is_active:
        raise InvalidInput(_("This location is closed."))
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
    BookingRules.objects.create(practitioner=practitioner)
    AvailabilityWindow.objects.bulk_create(
        AvailabilityWindow(
            practitioner=practitioner,
            location=location,
            weekday=day,
            start_time=start_time,
            end_time=end_time,
        )
        for day in days
    )
    return practitioner
