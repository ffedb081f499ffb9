"""A prescription as a PDF, drawn with fpdf2.

Fonts: the Noto families carebook ships (`carebook.core.pdf_fonts`), shaped by HarfBuzz, so the
patient's and practitioner's names, medicines and instructions print in their own script
(Devanagari, Bengali, Tamil, Arabic, emoji, Latin with accents).
"""

from carebook.clinic.models import Clinic
from carebook.core.pdf_fonts import FAMILY, UnicodePDF
from carebook.core.timeutils import age_on
from carebook.records.models import Prescription


def _clinic_name() -> str:
    clinic = Clinic.objects.only("name").order_by("pk").first()
    return clinic.name if clinic else "carebook"


def prescription_pdf(prescription: Prescription) -> bytes:
    appointment = prescription.appointment
    tz = appointment.location.tz
    issued = prescription.issued_at.astimezone(tz)
    visit = appointment.start.astimezone(tz)
    clinic_name = _clinic_name()

    pdf = UnicodePDF(format="A4")
    pdf.set_title(f"Prescription {prescription.number}")
    pdf.set_author(clinic_name)
    pdf.set_creator("carebook")
    pdf.add_page()
    pdf.set_auto_page_break(auto=True, margin=15)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, size: int = 10, style: str = "", height: float = 6) -> None:
        pdf.set_font(FAMILY, style, size)
        pdf.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT")

    line(clinic_name, 16, "B", 8)
    line(
        f"{appointment.location.name}, {appointment.location.address}, {appointment.location.city}"
    )
    pdf.ln(4)
    line(f"Prescription {prescription.number}", 14, "B", 8)
    line(f"Date: {issued:%d %b %Y, %H:%M} {issued.tzname()} ({tz.key})")
    line(f"Visit: {visit:%d %b %Y %H:%M}, {appointment.service.name}")
    pdf.ln(2)
    line(f"Patient: {prescription.patient.full_name}", 11, "B")
    profile = getattr(prescription.patient, "patient_profile", None)
    age = age_on(profile.date_of_birth if profile else None, issued.date())
    about = [f"Age {age}" if age is not None else "Age not recorded"]
    if profile is not None and profile.gender != profile.Gender.UNDISCLOSED:
        about.append(f"sex {profile.get_gender_display().lower()}")
    line(", ".join(about))
    practitioner = prescription.practitioner
    line(f"Practitioner: {practitioner.display_name}", 11, "B")
    if practitioner.qualifications:
        line(practitioner.qualifications)
    registration = practitioner.registration_number or "not recorded"
    council = f", {practitioner.registration_council}" if practitioner.registration_council else ""
    line(f"Registration no.: {registration}{council}")
    pdf.ln(4)

    line("Medicines", 12, "B", 7)
    columns = (("Medicine", 0.36), ("Dose", 0.18), ("Frequency", 0.26), ("Duration", 0.20))
    pdf.set_font(FAMILY, "B", 10)
    for title, share in columns:
        pdf.cell(width * share, 7, title, border=1)
    pdf.ln()
    pdf.set_font(FAMILY, "", 10)
    for item in prescription.items.all():
        values = (item.name, item.dose, item.frequency, item.duration)
        for (_title, share), value in zip(columns, values, strict=True):
            pdf.cell(width * share, 7, value[:60], border=1)
        pdf.ln()
    if prescription.instructions:
        pdf.ln(4)
        line("Instructions", 12, "B", 7)
        line(prescription.instructions)
    if prescription.override_reason:
        pdf.ln(4)
        line("Allergy warning considered", 12, "B", 7)
        line(prescription.allergy_warnings, 9)
        line(f"Prescribed because: {prescription.override_reason}", 9)
    pdf.ln(10)
    line(f"Signed electronically by {practitioner.display_name}.", 9, "I")
    return bytes(pdf.output())
