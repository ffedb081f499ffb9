"""Prescriptions in every script (#13): the text comes back out of the PDF.

The names, medicines and instructions of a prescription written in Hindi, Tamil, Bengali, Arabic
or with emoji, issued through the records service, must read back from its PDF as written (pypdf;
the comparison is `readable`'s, explained in carebook/billing/tests/test_pdf_scripts.py), with no
"?", no glyph missing from the shipped fonts, and the script's text shaped.
"""

from io import BytesIO

import pytest
from django.test import Client
from pypdf import PdfReader

from carebook.accounts.tests.factories import PatientFactory
from carebook.billing.tests.test_pdf_scripts import (
    SCRIPTS,
    Script,
    assert_prints,
    embeds,
    no_missing_glyphs,  # noqa: F401 (a fixture, used by every test here)
    readable,
    shaped,
    text_of,
)
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Clinic
from carebook.clinic.tests.factories import LocationFactory, PractitionerFactory
from carebook.records.pdf import prescription_pdf
from carebook.records.tests.factories import prescription, visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_missing_glyphs")]


def written_in(script: Script):
    """A prescription whose clinic, location, people, medicine and instructions are in `script`."""
    clinic = Clinic.current()
    clinic.name = script.clinic
    clinic.save()
    cal = bookable_calendar(
        practitioner=PractitionerFactory(user__full_name=script.practitioner),
        location=LocationFactory(name=script.location, address=script.address, city=script.city),
    )
    cal.service.name = script.service
    cal.service.save()
    appointment = visit(cal=cal, patient=PatientFactory(full_name=script.patient))
    medicine = {
        "name": script.medicine,
        "dose": script.dose,
        "frequency": script.frequency,
        "duration": script.duration,
    }
    return prescription(appointment, medicines=[medicine], instructions=script.instructions)


@pytest.mark.parametrize("name", SCRIPTS)
def test_prescription_prints_names_medicines_and_instructions_in_their_script(name):
    script = SCRIPTS[name]
    rx = written_in(script)
    content = prescription_pdf(rx)
    assert_prints(
        text_of(content),
        script,
        script.clinic,
        script.location,
        script.address,
        script.city,
        script.service,
        script.patient,
        script.practitioner,
        script.medicine,
        script.dose,
        script.frequency,
        script.duration,
        script.instructions,
        rx.number,
    )
    assert embeds(content, script.font)
    if name != "emoji":
        assert shaped(content, script.font), name


def test_a_hindi_prescription_reads_back_from_the_pdf_the_patient_downloads():
    script = SCRIPTS["hindi"]
    rx = written_in(script)
    client = Client()
    client.force_login(rx.patient)
    response = client.get(f"/records/prescriptions/{rx.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    # As written, but for the spaces pypdf reads into shaped Devanagari (see `readable`).
    found = readable(text, script, laid_out=True)
    assert readable(f"Patient: {script.patient}", script) in found
    assert readable(script.instructions, script) in found
    # The instructions' words and spaces even come back exactly, once spaces are collapsed.
    assert "खाना खाने के बाद लें। पानी अधिक पिएँ और आराम करें।" in " ".join(text.split())
    assert "?" not in text
