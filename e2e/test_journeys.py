"""The journeys a person walks, in a real browser against a live server."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from carebook.booking.models import Appointment
from carebook.core.tests.tasks import run_worker
from e2e.helpers import book_directly, clinic_with_cardiologist, free_starts, log_in, patient

pytestmark = pytest.mark.django_db(transaction=True)


def register_search_and_book(page, shot, email):
    page.goto("/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Full name").fill("Asha Rao")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mobile phone").fill("+91 98450 12345")
    page.get_by_label("Date of birth").fill("1990-04-01")
    page.get_by_label("Gender").select_option("female")
    page.get_by_label("Blood group").select_option("O+")
    page.locator("#id_password1").fill("a-long-pass-phrase")
    page.get_by_label("Password again").fill("a-long-pass-phrase")
    shot(page, "1-register")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    run_worker()  # the confirmation mail goes out from a task
    page.goto(re.search(r"(/account/verify/\S+/)", mail.outbox[-1].body).group(1))
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_text("Welcome, Asha Rao")).to_be_visible()
    log_in(page, email, "a-long-pass-phrase")

    page.goto("/")
    page.get_by_label("Specialty", exact=True).select_option(label="Cardiology")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 practitioner found")).to_be_visible()
    shot(page, "2-directory")
    page.get_by_role("link", name="Dr. Meera Iyer").click()
    first_slot = page.locator("a.slot").first
    expect(first_slot).to_be_visible()
    shot(page, "3-practitioner")
    first_slot.click()
    expect(page.get_by_role("heading", name="Review your booking")).to_be_visible()
    page.get_by_label("In person").check()
    page.get_by_label("Reason or symptoms").fill("Chest pain when climbing stairs")
    shot(page, "4-review")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", name="Your request is sent")).to_be_visible()
    shot(page, "5-done")
    page.get_by_role("link", name="My appointments").first.click()
    expect(page.get_by_text("Dr. Meera Iyer").first).to_be_visible()
    expect(page.get_by_text("Requested").first).to_be_visible()
    shot(page, "6-my-appointments")


def test_new_patient_registers_searches_books_and_sees_it(new_page, shot):
    clinic_with_cardiologist()
    register_search_and_book(new_page(), shot, "asha@example.test")
    appt = Appointment.objects.get()
    assert (
        appt.patient.email == "asha@example.test"
        and appt.reason == "Chest pain when climbing stairs"
    )


def test_phone_sized_viewport_completes_the_booking_journey(new_page, shot):
    clinic_with_cardiologist()
    page = new_page(width=360, height=740)
    register_search_and_book(page, shot, "phone@example.test")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert Appointment.objects.count() == 1


def test_two_browsers_race_for_one_slot(new_page, shot):
    cal = clinic_with_cardiologist()
    a, b = patient(), patient()
    start = free_starts(cal)[0]
    page_a, page_b = new_page(), new_page()
    log_in(page_a, a.email)
    log_in(page_b, b.email)
    practitioner_url = f"/practitioners/{cal.practitioner.pk}/"
    page_b.goto(practitioner_url)
    slot_b = page_b.locator(f'a.slot[data-start="{start.isoformat()}"]')
    expect(slot_b).to_have_count(1)
    review_url = slot_b.get_attribute("href")
    page_a.goto(review_url)
    page_b_review = new_page()
    log_in(page_b_review, b.email)
    page_b_review.goto(review_url)

    page_a.get_by_label("In person").check()
    page_a.get_by_role("button", name="Confirm booking").click()
    expect(page_a.get_by_role("heading", name="Your request is sent")).to_be_visible()

    # The open practitioner page drops the slot by itself (htmx polls every 2 s).
    expect(slot_b).to_have_count(0, timeout=5_000)
    # The stale review page gets a friendly message and fresh times, never an error page.
    page_b_review.get_by_label("In person").check()
    page_b_review.get_by_role("button", name="Confirm booking").click()
    expect(page_b_review.get_by_text("no longer available")).to_be_visible()
    expect(page_b_review.locator("a.slot").first).to_be_visible()
    shot(page_b_review, "loser")
    assert Appointment.objects.filter(start=start).count() == 1


def test_patient_cancels_before_the_cutoff_and_is_refused_after(new_page, shot):
    cal = clinic_with_cardiologist(cutoff_hours=24)
    p = patient()
    now = timezone.now()
    starts = free_starts(cal)
    near = book_directly(cal, p, next(s for s in starts if s < now + timedelta(hours=24)))
    far = book_directly(cal, p, next(s for s in starts if s > now + timedelta(hours=48)))
    page = new_page()
    log_in(page, p.email)
    page.goto("/appointments/")
    cards = page.locator("article.card")
    expect(cards).to_have_count(2)
    cards.nth(1).get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("The appointment is cancelled.")).to_be_visible()
    # Inside the cut-off the page offers no Cancel (the service would refuse it) and says why.
    inside = page.locator("article.card").first
    expect(inside.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(inside.get_by_text(re.compile("until 24 hours before"))).to_be_visible()
    shot(page, "refused")
    near.refresh_from_db()
    far.refresh_from_db()
    assert (near.status, far.status) == (Appointment.Status.REQUESTED, Appointment.Status.CANCELLED)


def test_practitioner_confirms_and_the_patient_sees_it(new_page, shot):
    cal = clinic_with_cardiologist()
    p = patient(full_name="Ravi Kumar")
    appt = book_directly(cal, p, free_starts(cal)[0])
    doctor = new_page()
    log_in(doctor, cal.practitioner.user.email)
    expect(doctor).to_have_url(re.compile("/practice/$"))
    shot(doctor, "today")
    doctor.get_by_role("button", name=re.compile("^Approve Ravi Kumar")).click()
    expect(doctor.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)
    appt.refresh_from_db()
    assert appt.status == Appointment.Status.CONFIRMED
    me = new_page()
    log_in(me, p.email)
    me.goto("/appointments/")
    expect(me.locator("article.card").first.get_by_text("Confirmed")).to_be_visible()
    shot(me, "patient-sees-confirmed")


def test_practitioner_registers_staff_verify_and_they_appear_in_search(new_page, shot):
    from carebook.accounts.tests.factories import StaffFactory

    clinic_with_cardiologist()
    staff = StaffFactory()
    applicant = new_page()
    applicant.goto("/account/register/practitioner/")
    applicant.get_by_label("Full name").fill("Nisha Menon")
    applicant.get_by_label("Email").fill("nisha@example.test")
    applicant.get_by_label("Mobile phone").fill("+91 90000 00001")
    applicant.get_by_label("I am a").select_option("doctor")
    applicant.get_by_label("Dermatology").check()
    applicant.get_by_label("Qualifications").fill("MBBS, MD (Dermatology)")
    applicant.get_by_label("Medical council registration number").fill("KMC-55555")
    applicant.get_by_label("Years of experience").fill("7")
    applicant.locator("#id_password1").fill("a-long-pass-phrase")
    applicant.get_by_label("Password again").fill("a-long-pass-phrase")
    applicant.get_by_role("button", name="Send registration").click()
    expect(applicant.get_by_text("your registration is being checked")).to_be_visible()
    shot(applicant, "pending")

    public = new_page()
    public.goto("/practitioners/?specialty=dermatology")
    expect(public.get_by_text("Nisha Menon")).to_have_count(0)

    office = new_page()
    log_in(office, staff.email)
    office.goto("/office/registrations/")
    shot(office, "registrations")
    office.get_by_role("button", name=re.compile("^Verify .*Nisha Menon")).click()
    expect(office.get_by_text(re.compile("verified", re.I)).first).to_be_visible()

    # Verified, and with hours set up, the new practitioner shows in search.
    from carebook.booking.tests.factories import bookable_calendar
    from carebook.clinic.models import Practitioner

    bookable_calendar(practitioner=Practitioner.objects.get(user__email="nisha@example.test"))
    public.goto("/practitioners/?specialty=dermatology")
    expect(public.get_by_text("Nisha Menon")).to_be_visible()
