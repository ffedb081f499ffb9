from datetime import time, timedelta

from django.utils import timezone

from carebook.accounts import mfa
from carebook.accounts.models import User
from carebook.accounts.tests.factories import PatientFactory
from carebook.accounts.tests.mfa_support import code_for, enrol
from carebook.booking.availability import slots_free
from carebook.booking.services import appointment_book
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Language, Specialty
from carebook.clinic.tests.factories import PractitionerFactory

PASSWORD = "pw-for-tests-1"


def clinic_with_cardiologist(**rules):
    """A verified cardiologist working 08:00–20:00 every day in Bengaluru."""
    cardiology = Specialty.objects.create(name="Cardiology", slug="cardiology")
    Specialty.objects.create(name="Dermatology", slug="dermatology")
    hindi = Language.objects.create(code="hi", name="Hindi")
    practitioner = PractitionerFactory(
        user__full_name="Meera Iyer", qualifications="MBBS, DM (Cardiology)"
    )
    practitioner.specialties.add(cardiology)
    practitioner.languages.add(hindi)
    rules.setdefault("min_notice", 60)  # no slot can start while a test clicks
    return bookable_calendar(practitioner=practitioner, start=time(8), end=time(20), **rules)


def free_starts(cal, days=7):
    """Free starts at least an hour away, so none slips into the past while a test runs."""
    now = timezone.now()
    today = now.astimezone(cal.location.tz).date()
    slots = slots_free(
        practitioner=cal.practitioner,
        service=cal.service,
        start_date=today,
        end_date=today + timedelta(days=days),
        location=cal.location,
    )
    return [s.start for s in slots if s.start > now + timedelta(hours=1)]


def book_directly(cal, patient, start):
    return appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        by=patient,
    )


def patient(**kw):
    return PatientFactory(**kw)


def log_in(page, email, password=PASSWORD):
    """Log in as a person would; staff and practitioners type their authenticator's code
    (computed from the device key; one is set up for them first if they have none)."""
    user = User.objects.get(email__iexact=email)
    if mfa.mfa_mandatory(user) and not mfa.mfa_enrolled(user):
        enrol(user)
    page.goto("/account/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    if mfa.mfa_enrolled(user):
        page.get_by_label("Code").fill(code_for(user))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
