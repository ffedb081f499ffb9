from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.clinic.models import Service
from carebook.clinic.services import (
    practitioner_profile_update,
    service_create,
    service_update,
)
from carebook.clinic.tests.factories import PractitionerFactory, ServiceFactory, SpecialtyFactory
from carebook.core.errors import InvalidInput, PermissionDenied

pytestmark = pytest.mark.django_db


@pytest.fixture
def practitioner():
    return PractitionerFactory(consultation_fee=Decimal("600"))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def image(fmt="PNG", size=(40, 40)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt)
    return out.getvalue()


# --- services --------------------------------------------------------------------------------


def test_practitioner_adds_a_service_priced_at_their_fee(practitioner):
    service = service_create(
        practitioner=practitioner, name=" Follow-up ", duration_minutes=15, by=practitioner.user
    )
    assert (service.name, service.price, service.effective_price) == (
        "Follow-up",
        None,
        Decimal("600"),
    )


def test_service_with_a_too_short_duration_is_refused(practitioner):
    with pytest.raises(InvalidInput, match="Duration"):
        service_create(
            practitioner=practitioner, name="Blink", duration_minutes=2, by=practitioner.user
        )


def test_duplicate_active_service_name_is_refused(practitioner):
    ServiceFactory(practitioner=practitioner, name="Consultation")
    with pytest.raises(InvalidInput, match="already offer"):
        service_create(
            practitioner=practitioner,
            name="consultation",
            duration_minutes=30,
            by=practitioner.user,
        )
    # Another practitioner may use the same name.
    other = PractitionerFactory()
    service_create(practitioner=other, name="Consultation", duration_minutes=30, by=other.user)


def test_practitioner_edits_and_deactivates_a_service(practitioner):
    service = ServiceFactory(practitioner=practitioner)
    service_update(
        service=service,
        name="Long consultation",
        duration_minutes=45,
        price=Decimal("900"),
        is_active=False,
        by=practitioner.user,
    )
    service.refresh_from_db()
    assert (service.name, service.duration_minutes, service.price, service.is_active) == (
        "Long consultation",
        45,
        Decimal("900"),
        False,
    )


def test_reactivating_a_service_checks_for_a_name_clash(practitioner):
    old = ServiceFactory(practitioner=practitioner, name="Consultation", is_active=False)
    ServiceFactory(practitioner=practitioner, name="Consultation")
    with pytest.raises(InvalidInput, match="already offer"):
        service_update(
            service=old,
            name=old.name,
            duration_minutes=30,
            price=None,
            is_active=True,
            by=practitioner.user,
        )


@pytest.mark.parametrize("who", ["patient", "other_practitioner", "anonymous"])
def test_nobody_else_may_add_or_change_services(practitioner, who):
    by = {
        "patient": PatientFactory,
        "other_practitioner": lambda: PractitionerFactory().user,
        "anonymous": AnonymousUser,
    }[who]()
    with pytest.raises(PermissionDenied):
        service_create(practitioner=practitioner, name="X", duration_minutes=30, by=by)
    service = ServiceFactory(practitioner=practitioner)
    with pytest.raises(PermissionDenied):
        service_update(
            service=service, name="X", duration_minutes=30, price=None, is_active=False, by=by
        )
    service.refresh_from_db()
    assert service.is_active and service.name == "Consultation"


def test_staff_may_manage_a_practitioners_services(practitioner):
    service_create(
        practitioner=practitioner, name="Check-up", duration_minutes=30, by=StaffFactory()
    )
    assert Service.objects.filter(practitioner=practitioner).count() == 1


# --- profile ---------------------------------------------------------------------------------


def profile(practitioner, by, **over):
    fields = {
        "title": "Dr.",
        "kind": "therapist",
        "specialties": [SpecialtyFactory(slug="physio")],
        "qualifications": "BPT",
        "registration_number": practitioner.registration_number,
        "years_experience": 7,
        "gender": "male",
        "languages": [],
        "bio": " Back pain. ",
        "consultation_fee": Decimal("700"),
        "offers_in_person": True,
        "offers_video": True,
    }
    fields.update(over)
    return practitioner_profile_update(practitioner=practitioner, by=by, **fields)


def test_practitioner_updates_own_profile(practitioner):
    result = profile(practitioner, practitioner.user)
    practitioner.refresh_from_db()
    assert result.bio == "Back pain." and practitioner.kind == "therapist"
    assert practitioner.consultation_fee == Decimal("700")
    assert [s.slug for s in practitioner.specialties.all()] == ["physio"]


def test_profile_needs_at_least_one_visit_mode(practitioner):
    with pytest.raises(InvalidInput, match="or both"):
        profile(practitioner, practitioner.user, offers_in_person=False, offers_video=False)


def test_negative_fee_is_refused(practitioner):
    with pytest.raises(InvalidInput, match="fee"):
        profile(practitioner, practitioner.user, consultation_fee=Decimal("-1"))


def test_verified_registration_number_changes_only_through_staff(practitioner):
    assert practitioner.is_verified
    with pytest.raises(InvalidInput, match="ask the clinic"):
        profile(practitioner, practitioner.user, registration_number="NEW 1")
    profile(practitioner, StaffFactory(), registration_number="NEW 1")
    practitioner.refresh_from_db()
    assert practitioner.registration_number == "NEW 1"


def test_unverified_practitioner_may_fix_their_registration_number():
    practitioner = PractitionerFactory(verified_at=None)
    profile(practitioner, practitioner.user, registration_number="KMC 42")
    practitioner.refresh_from_db()
    assert practitioner.registration_number == "KMC 42"


@pytest.mark.parametrize("who", ["patient", "other_practitioner", "anonymous"])
def test_nobody_else_may_change_a_profile(practitioner, who):
    by = {
        "patient": PatientFactory,
        "other_practitioner": lambda: PractitionerFactory().user,
        "anonymous": AnonymousUser,
    }[who]()
    with pytest.raises(PermissionDenied):
        profile(practitioner, by, bio="hacked")
    practitioner.refresh_from_db()
    assert practitioner.bio != "hacked"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_photo_is_stored_under_a_random_name(practitioner, fmt, media):
    photo = SimpleUploadedFile("Priya passport scan.img", image(fmt))
    profile(practitioner, practitioner.user, photo=photo)
    practitioner.refresh_from_db()
    assert practitioner.photo.name.startswith("practitioners/")
    assert "passport" not in practitioner.photo.name
    assert (media / practitioner.photo.name).exists()


def test_replacing_the_photo_deletes_the_old_file(
    practitioner, media, django_capture_on_commit_callbacks
):
    profile(practitioner, practitioner.user, photo=SimpleUploadedFile("a.png", image()))
    practitioner.refresh_from_db()
    first = media / practitioner.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        profile(practitioner, practitioner.user, photo=SimpleUploadedFile("b.png", image()))
    practitioner.refresh_from_db()
    assert not first.exists() and (media / practitioner.photo.name).exists()
    with django_capture_on_commit_callbacks(execute=True):
        profile(practitioner, practitioner.user, remove_photo=True)
    practitioner.refresh_from_db()
    assert not practitioner.photo and not list(media.rglob("*.png"))


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"GIF89a not really", "not an image"),
        (image("GIF"), "JPEG, PNG or WebP"),
        (image() + b"\0" * (2 * 1024 * 1024), "2 MB"),
        (image(size=(6001, 10)), "too large"),
    ],
)
def test_bad_photos_are_refused(practitioner, content, error, media):
    with pytest.raises(InvalidInput, match=error):
        profile(practitioner, practitioner.user, photo=SimpleUploadedFile("p.png", content))
    practitioner.refresh_from_db()
    assert not practitioner.photo and not list(media.rglob("*"))
