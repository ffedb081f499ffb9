"""A real clinic day in the browser: the front desk, safe prescribing, a video visit abroad."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from carebook.accounts.tests.factories import StaffFactory
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_confirm
from carebook.booking.tests.factories import appointment_row, bookable_calendar
from carebook.clinic.tests.factories import LocationFactory, PractitionerFactory
from carebook.core.timeutils import zone
from carebook.records.models import MedicalRecord, Prescription
from e2e.helpers import clinic_with_cardiologist, log_in, patient

pytestmark = pytest.mark.django_db(transaction=True)


def test_receptionist_finds_a_patient_by_phone_books_a_walk_in_from_the_day_and_checks_in(
    new_page, axe, shot
):
    cal = clinic_with_cardiologist(min_notice=0)
    patient(full_name="Harish Gowda", phone="+919448067891")
    page = new_page(width=1024, height=768)  # a tablet at the desk
    log_in(page, StaffFactory().email)
    page.goto("/office/appointments/book/")
    page.get_by_label("Name, phone or email").fill("9448067891")
    expect(page.get_by_role("button", name="Book for Harish Gowda")).to_be_visible()
    page.get_by_label("Full name").fill("Meena Iyer")
    page.get_by_label("Mobile phone").fill("98860 11223")
    page.get_by_role("button", name="Register and book").click()
    expect(page.get_by_text("Booking for Meena Iyer")).to_be_visible()
    page.goto(f"/office/day/?location={cal.location.pk}")
    day = timezone.now().astimezone(cal.location.tz)
    if day.hour >= 19:  # too late for a slot today: tomorrow's day
        page.get_by_role("link", name="Day after →").click()
    page.locator("td.cell-free a").first.click()
    expect(page.get_by_label("Patient's email or phone")).to_have_value("+919886011223")
    page.get_by_label("In person").check()
    page.get_by_role("button", name="Confirm booking").click()
    visit = Appointment.objects.get(patient__full_name="Meena Iyer")
    appointment_confirm(appointment=visit, by=cal.practitioner.user)
    page.goto(f"/office/day/?location={cal.location.pk}&day={visit.local_start.date()}")
    expect(page.get_by_role("link", name="Meena Iyer")).to_be_visible()
    page.goto(f"/office/appointments/?first_day={visit.local_start.date()}")
    check_in = page.get_by_role("button", name="Check in Meena Iyer")
    now = timezone.now().replace(second=0, microsecond=0)
    if visit.local_start.date() > now.astimezone(cal.location.tz).date():
        # Booked for tomorrow (the evening's grid): no check-in before the visit's day.
        opened = page.get_by_role("link", name=re.compile("appointment of Meena Iyer"))
        expect(opened).to_be_visible()
        expect(check_in).to_have_count(0)
        visit = appointment_row(cal, visit.patient, now, status=Appointment.Status.CONFIRMED)
        page.goto(f"/office/appointments/?first_day={visit.local_start.date()}")
    check_in.click()
    expect(page.get_by_text("Checked in: Meena Iyer.")).to_be_visible()
    assert Appointment.objects.get(pk=visit.pk).arrived_at is not None
    assert axe(page) == []
    shot(page, "checked-in")


def test_doctor_prescribes_against_an_allergy_and_the_reason_is_kept(new_page, axe, shot):
    cal = clinic_with_cardiologist(min_notice=0)
    sameer = patient(full_name="Sameer Khan")
    MedicalRecord.objects.create(patient=sameer, allergies="Penicillin: anaphylaxis")
    yesterday = timezone.now().astimezone(cal.location.tz) - timedelta(days=1)
    start = yesterday.replace(hour=10, minute=0, second=0, microsecond=0)
    visit = appointment_row(cal, sameer, start, status=Appointment.Status.COMPLETED)
    page = new_page()
    log_in(page, cal.practitioner.user.email)
    page.goto(f"/records/appointments/{visit.pk}/prescribe/")
    expect(page.get_by_text("Penicillin: anaphylaxis")).to_be_visible()
    page.locator("#id_med-0-name").fill("Amoxicillin")
    page.locator("#id_med-0-dose").fill("500 mg")
    page.locator("#id_med-0-frequency").fill("Three times a day")
    page.locator("#id_med-0-duration").fill("5 days")
    page.get_by_role("button", name="Issue prescription").click()
    expect(page.get_by_text("both penicillins")).to_be_visible()
    assert axe(page) == []
    shot(page, "allergy-warning")
    page.get_by_label("Why you prescribe despite the allergy warning").fill(
        "Desensitised in 2025; allergist agrees"
    )
    page.get_by_role("button", name="Issue prescription").click()
    expect(page.get_by_text("The prescription is issued.")).to_be_visible()
    assert Prescription.objects.get().override_reason == "Desensitised in 2025; allergist agrees"


def test_patient_in_india_books_a_london_video_visit_and_sees_both_times_and_the_room(
    playwright_browser, live_server, axe, shot
):
    london = LocationFactory(
        name="Harrow",
        city="London",
        time_zone="Europe/London",
        currency="GBP",
        tax_regime="uk_vat",
        gst_state="",
    )
    doctor = PractitionerFactory(user__full_name="Sunil Patel", offers_video=True)
    bookable_calendar(
        practitioner=doctor,
        location=london,
        start=time(0),
        end=time(23, 30),
        step=5,
        auto_confirm=True,
    )
    asha = patient(full_name="Asha Rao")
    context = playwright_browser.new_context(
        base_url=live_server.url, timezone_id="Asia/Kolkata", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, asha.email)
        page.goto(f"/practitioners/{doctor.pk}/")
        page.reload()  # the browser has told its zone now
        yours = re.compile(r"your time \(Asia/Kolkata\)")  # Chromium says Asia/Calcutta
        expect(page.get_by_text(yours).first).to_be_visible()
        page.locator("a.slot").first.click()
        expect(page.get_by_text(yours)).to_be_visible()
        page.get_by_label("Video").check()
        page.get_by_role("button", name="Confirm booking").click()
        visit = Appointment.objects.get(patient=asha)
        assert visit.status == Appointment.Status.CONFIRMED and visit.mode == "video"
        page.goto(f"/appointments/{visit.pk}/")
        here = visit.start.astimezone(zone("Europe/London"))
        expect(page.get_by_text(here.strftime("%H:%M")).first).to_be_visible()
        expect(page.get_by_role("link", name="Join the video visit")).to_be_visible()
        assert axe(page) == []
        shot(page, "video-visit")
    finally:
        context.close()
