"""Clinical records in the browser: the practitioner completes a visit and prescribes; the patient
downloads the prescription and reviews the visit, and the review shows on the practitioner page."""

from datetime import datetime, time, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from carebook.booking.models import Appointment
from carebook.booking.services import appointment_book, appointment_confirm
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.core.timeutils import zone
from e2e.helpers import log_in, patient

pytestmark = pytest.mark.django_db(transaction=True)

# A zone where it is now daytime, so a visit that began half an hour ago is on today's list.
ZONES = ("Asia/Kolkata", "Europe/London", "America/New_York", "Pacific/Auckland", "Asia/Tokyo")


def visit_in_progress():
    now = timezone.now()
    tz_name = next(z for z in ZONES if 2 <= now.astimezone(zone(z)).hour <= 21)
    practitioner = PractitionerFactory(user__full_name="Kiran Shah")
    cal = bookable_calendar(
        practitioner=practitioner, time_zone=tz_name, start=time(0), end=time(23, 30)
    )
    local = now.astimezone(zone(tz_name))
    start = datetime.combine(
        local.date(), time(local.hour, 30 if local.minute >= 30 else 0), zone(tz_name)
    ) - timedelta(minutes=30)
    before = start - timedelta(days=1)
    someone = patient(full_name="Ravi Kumar")
    appt = appointment_book(
        patient=someone,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        by=someone,
        now=before,
    )
    appointment_confirm(appointment=appt, by=practitioner.user, now=before)
    return appt


def test_prescription_download_and_review(new_page, shot, axe, tmp_path):
    appt = visit_in_progress()
    doctor = appt.practitioner

    page = new_page()
    log_in(page, doctor.user.email)
    page.goto("/practice/")
    page.get_by_role("button", name="Complete Ravi Kumar's visit").click()
    expect(page.get_by_text("Completed: Ravi Kumar")).to_be_visible()
    page.goto(f"/appointments/{appt.pk}/")
    page.get_by_role("link", name="Write a prescription").click()
    page.locator("#id_med-0-name").fill("Azithromycin")
    page.locator("#id_med-0-dose").fill("500 mg")
    page.locator("#id_med-0-frequency").fill("Once daily")
    page.locator("#id_med-0-duration").fill("3 days")
    page.get_by_label("Instructions").fill("Take one hour before food.")
    shot(page, "1-prescribe")
    assert axe(page) == []
    page.get_by_role("button", name="Issue prescription").click()
    expect(page.get_by_text("The prescription is issued.")).to_be_visible()
    page.get_by_label("Session note").fill("Chest clear; follow up if fever returns.")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Chest clear; follow up")).to_be_visible()
    shot(page, "2-practitioner-appointment")
    assert Appointment.objects.get(pk=appt.pk).status == Appointment.Status.COMPLETED

    me = new_page()
    log_in(me, appt.patient.email)
    me.get_by_role("link", name="My appointments").first.click()
    me.get_by_role("link", name="Details").first.click()
    expect(me.get_by_text("Chest clear")).to_have_count(0)
    with me.expect_download() as download_info:
        me.get_by_role("link", name="Download prescription PDF").click()
    saved = Path(tmp_path) / "rx.pdf"
    download_info.value.save_as(saved)
    text = PdfReader(BytesIO(saved.read_bytes())).pages[0].extract_text()
    assert "Azithromycin" in text and "Ravi Kumar" in text and "Take one hour before food." in text

    me.get_by_label("4 ★").check()
    me.get_by_label("Comment").fill("Clear explanations, no waiting.")
    shot(me, "3-rate")
    assert axe(me) == []
    me.get_by_role("button", name="Submit review").click()
    expect(me.get_by_text("Thank you for your review.")).to_be_visible()

    me.goto(f"/practitioners/{doctor.pk}/")
    expect(me.get_by_text("Clear explanations, no waiting.")).to_be_visible()
    expect(me.get_by_text("★ 4.0 (1)")).to_be_visible()
    shot(me, "4-practitioner-page")

    me.goto("/records/health/")
    expect(me.get_by_role("heading", name="My health record")).to_be_visible()
    expect(me.get_by_text("Azithromycin")).to_be_visible()
    assert axe(me) == []

    page.goto(f"/records/patients/{appt.patient_id}/")
    expect(page.get_by_role("heading", name="Medical record")).to_be_visible()
    assert axe(page) == []
    page.goto("/records/inpatients/")
    assert axe(page) == []
