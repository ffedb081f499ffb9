"""Writes on a practitioner's public profile and the services (kinds of visit) they offer."""

from collections.abc import Iterable
from decimal import Decimal
from uuid import uuid4

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from carebook.accounts.models import User
from carebook.clinic.models import Language, Practitioner, Service, Specialty
from carebook.clinic.services.guards import ensure_can_manage_practitioner, validate_or_refuse
from carebook.core.errors import InvalidInput

PHOTO_MAX_BYTES = 2 * 1024 * 1024
PHOTO_MAX_SIDE = 6000
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


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
