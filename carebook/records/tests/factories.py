"""Visits in the states clinical records need, made through the booking services."""

from datetime import datetime, time, timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from carebook.accounts.tests.factories import PatientFactory
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_book, appointment_complete, appointment_confirm
from carebook.booking.tests.factories import Calendar, bookable_calendar
from carebook.core.timeutils import now as utcnow
from carebook.records.services import prescription_issue

MEDICINE = {
    "name": "Amoxicillin",
    "dose": "500 mg",
    "frequency": "Three times a day",
    "duration": "5 days",
}


def _book(cal: Calendar, patient, start: datetime, before: datetime) -> Appointment:
    return appointment_book(
        patient=patient,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=start,
        mode="in_person",
        by=patient,
        now=before,
    )


def visit(
    *,
    cal: Calendar | None = None,
    patient=None,
    days: int = -2,
    hour: int = 10,
    status: str = Appointment.Status.COMPLETED,
) -> Appointment:
    """A visit `days` from today at `hour` local time, confirmed and (if asked) completed."""
    cal = cal or bookable_calendar()
    patient = patient or PatientFactory()
    tz = cal.location.tz
    day = (utcnow().astimezone(tz) + timedelta(days=days)).date()
    start = datetime.combine(day, time(hour), tz)
    before = min(start, utcnow()) - timedelta(days=1)
    appt = _book(cal, patient, start, before)
    doctor = cal.practitioner.user
    if status in (Appointment.Status.CONFIRMED, Appointment.Status.COMPLETED):
        appointment_confirm(appointment=appt, by=doctor, now=before)
    if status == Appointment.Status.COMPLETED:
        appointment_complete(appointment=appt, by=doctor, now=appt.end)
    appt.refresh_from_db()
    return appt


def prescription(appt: Appointment, **kw):
    kw.setdefault("medicines", [MEDICINE])
    kw.setdefault("instructions", "Take after food.")
    # The allergy check has its own tests; a prescription made for another test goes through.
    kw.setdefault("override_reason", "Considered the recorded allergies.")
    return prescription_issue(appointment=appt, by=appt.practitioner.user, **kw)


def pdf_upload(name="report.pdf", size=None) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    if size:
        body = body + b"0" * (size - len(body))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png_upload(name="scan.png") -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")
