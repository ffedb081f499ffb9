"""The front desk: find a patient however their phone is typed, register a walk-in, book."""

from datetime import timedelta

import pytest
from django.urls import reverse

from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.models import Appointment
from carebook.booking.tests.factories import bookable_calendar
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db
URL = reverse("office:book_for_patient")


@pytest.fixture
def desk(client):
    client.force_login(StaffFactory())
    return client


@pytest.mark.parametrize(
    "typed", ["9448067891", "+91 94480 67891", "094480-67891", "Harish", "harish.g@"]
)
def test_a_patient_is_found_by_phone_in_any_format_name_or_email(desk, typed):
    harish = PatientFactory(
        full_name="Harish Gowda", phone="+919448067891", email="harish.g@example.test"
    )
    PatientFactory(full_name="Someone Else", phone="+919845012345")
    response = desk.get(reverse("office:patient_search"), {"q": typed})
    assert [p.pk for p in response.context["found"]] == [harish.pk]
    assert "Book for Harish Gowda" in response.content.decode()


def test_only_staff_search(client):
    client.force_login(PatientFactory())
    assert client.get(reverse("office:patient_search"), {"q": "Harish"}).status_code == 404


def test_a_walk_in_is_registered_with_a_name_and_phone_then_booked(desk):
    response = desk.post(URL, {"full_name": "Meena Iyer", "phone": "98860 11223", "email": ""})
    assert response.status_code == 302 and response["Location"] == reverse("directory")
    meena = User.objects.get(full_name="Meena Iyer")
    assert meena.is_patient and meena.phone == "+919886011223" and not meena.has_usable_password()
    again = desk.post(URL, {"full_name": "Meena I", "phone": "+91 98860 11223"})
    assert again.status_code == 400 and "exists" in again.content.decode()
    cal = bookable_calendar()
    start = (
        (utcnow() + timedelta(days=2))
        .astimezone(cal.location.tz)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    slot = {
        "practitioner": cal.practitioner.pk,
        "service": cal.service.pk,
        "location": cal.location.pk,
        "start": start.isoformat(),
    }
    review = desk.get(reverse("book"), slot)
    assert review.context["form"]["patient"].value() == "+919886011223"  # chosen at the desk
    booked = desk.post(reverse("book"), {**slot, "mode": "in_person", "patient": "9886011223"})
    assert booked.status_code == 302
    assert Appointment.objects.get().patient == meena


def test_a_walk_in_with_an_email_claims_the_account_by_forgot_password(desk, client):
    from django.core import mail

    from carebook.core.tests.tasks import run_worker

    desk.post(URL, {"full_name": "Ravi K", "phone": "98450 99887", "email": "ravi@example.test"})
    ravi = User.objects.get(email="ravi@example.test")
    assert not ravi.has_usable_password()
    desk.logout()
    client.post(reverse("password_reset"), {"email": "ravi@example.test"})
    run_worker()
    assert any("ravi@example.test" in m.to for m in mail.outbox)


def test_a_walk_ins_email_is_compared_as_stored(desk):
    PatientFactory(email="asha@example.test")
    again = desk.post(
        URL, {"full_name": "Asha", "phone": "98450 55555", "email": "ASHA@example.test"}
    )
    assert again.status_code == 400 and "exists" in again.content.decode()
