"""Invoices, receipts and credit notes in every script (#13): the text comes back out of the PDF.

For each script a clinic, location, practitioner, patient, service and refund reason are named in
it, and the documents are made through billing's own services (book, complete, invoice, pay at the
counter, refund by credit note). Each PDF's text is read back with pypdf: every name must come
back as written, with no "?" or replacement character, no glyph missing from the shipped fonts,
and the script's text shaped.

How text is compared (`readable`):
- Whitespace is collapsed: pypdf guesses spaces from the gaps between glyphs.
- Indic text (Devanagari, Bengali, Tamil) is compared with no whitespace at all. HarfBuzz places
  a vowel sign or a nukta by its own offset (the u-sign under "क" in "कुमार"), and pypdf reads
  the jump back to the next letter as a word break: "कु मार". The letters still come back all
  there and in their written (logical) order: HarfBuzz draws "कि" as the i-sign before "क", and
  the font's ToUnicode map carries the cluster's text on one glyph and none on the other
  (`carebook.core.pdf_fonts`), so no reordering or decomposition needs undoing.
- Arabic is read back as it is laid out: the words of a right-to-left run come left to right on
  the page, so "فاطمة الزهراء" reads back "الزهراء فاطمة", each word's letters in their written
  order. A run laid out left to right instead (no bidi) reads back with every word's letters
  reversed ("ةمطاف"), so this checks the visual order as well as the letters.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass
from io import BytesIO

import pytest
from pypdf import PdfReader

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.billing.pdf import credit_note_pdf, invoice_pdf, money, receipt_pdf
from carebook.billing.services import credit_note_issue, payment_record
from carebook.billing.tests.factories import completed, issued_invoice, paid_booking
from carebook.billing.tests.test_money_per_location import london, london_ten
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Clinic
from carebook.clinic.tests.factories import LocationFactory, PractitionerFactory
from carebook.core.pdf_fonts import FAMILY, UnicodePDF


@dataclass(frozen=True, kw_only=True)
class Script:
    font: str  # the embedded font that draws it (BaseFont ends with this)
    rtl: bool = False
    indic: bool = False
    clinic: str
    address: str
    location: str
    city: str
    patient: str
    practitioner: str
    service: str
    reason: str
    medicine: str
    dose: str
    frequency: str
    duration: str
    instructions: str


SCRIPTS = {
    "hindi": Script(
        font="NotoSansDevanagari",
        indic=True,
        clinic="आरोग्य परिवार क्लिनिक",
        address="१२, सौ फ़ीट रोड, इंदिरानगर",
        location="इंदिरानगर शाखा",
        city="बेंगलुरु",
        patient="अनिल कुमार शर्मा",
        practitioner="प्रिया वर्मा",
        service="सामान्य परामर्श",
        reason="मुलाक़ात रद्द की गई",
        medicine="पैरासिटामोल",
        dose="५०० मि.ग्रा.",
        frequency="दिन में दो बार",
        duration="तीन दिन",
        instructions="खाना खाने के बाद लें। पानी अधिक पिएँ और आराम करें।",
    ),
    "tamil": Script(
        font="NotoSansTamil",
        indic=True,
        clinic="ஆரோக்கியா குடும்ப மருத்துவமனை",
        address="12, அண்ணா சாலை",
        location="தேனாம்பேட்டை கிளை",
        city="சென்னை",
        patient="பிரியா ராமன்",
        practitioner="கார்த்திக் சுப்பிரமணியம்",
        service="பொது ஆலோசனை",
        reason="சந்திப்பு ரத்து செய்யப்பட்டது",
        medicine="பாராசிட்டமால்",
        dose="500 மி.கி",
        frequency="தினமும் இருமுறை",
        duration="மூன்று நாட்கள்",
        instructions="உணவுக்குப் பிறகு சாப்பிடவும். கொதித்த நீர் குடிக்கவும்.",
    ),
    "bengali": Script(
        font="NotoSansBengali",
        indic=True,
        clinic="আরোগ্য পারিবারিক ক্লিনিক",
        address="১২, পার্ক স্ট্রিট",
        location="পার্ক স্ট্রিট শাখা",
        city="কলকাতা",
        patient="প্রিয়া রায়চৌধুরী",
        practitioner="সৌমিত্র বন্দ্যোপাধ্যায়",
        service="সাধারণ পরামর্শ",
        reason="সাক্ষাৎ বাতিল হয়েছে",
        medicine="প্যারাসিটামল",
        dose="৫০০ মি.গ্রা.",
        frequency="দিনে দুবার",
        duration="তিন দিন",
        instructions="খাবারের পরে খাবেন। বেশি করে জল খাবেন।",
    ),
    "arabic": Script(
        font="NotoNaskhArabic",
        rtl=True,
        clinic="عيادة الشفاء",
        address="شارع الملك فهد",
        location="فرع الرياض",
        city="الرياض",
        patient="فاطمة الزهراء",
        practitioner="سلمى حداد",
        service="استشارة عامة",
        reason="ألغي الموعد",
        medicine="باراسيتامول",
        dose="500 ملغ",
        frequency="مرتين يوميا",
        duration="ثلاثة أيام",
        instructions="تناول الدواء بعد الأكل",
    ),
    "emoji": Script(
        font="NotoEmoji",
        clinic="Smile ✨ Family Clinic",
        address="12, 100 Feet Road",
        location="Indiranagar 🌳",
        city="Bengaluru",
        patient="Aarav 😀 Sharma",
        practitioner="Meera 🩺 Iyer",
        service="Check-up 🙂",
        reason="Cancelled 🙏 by the patient",
        medicine="Vitamin D ☀",
        dose="1000 IU",
        frequency="Once a day 🌅",
        duration="30 days",
        instructions="Take after breakfast 🍳 and drink water 💧.",
    ),
}


def text_of(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def readable(text: str, script: Script | None = None, *, laid_out: bool = False) -> str:
    """`text` as pypdf reads it back from a PDF in `script` (see the module docstring); with
    `laid_out`, `text` was read from the PDF already, so its words are in the page's order."""
    words = unicodedata.normalize("NFC", text).split()
    if script and script.rtl and not laid_out:
        words.reverse()
    return ("" if script and script.indic else " ").join(words)


def assert_prints(pdf_text: str, script: Script, *expected: str) -> None:
    """Each of `expected` comes back out of the PDF's text, and nothing was replaced by "?"."""
    found = readable(pdf_text, script, laid_out=True)
    for text in expected:
        assert readable(text, script) in found, (text, pdf_text)
    assert "?" not in pdf_text and "\ufffd" not in pdf_text, pdf_text


def shaped(content: bytes, font: str) -> bool:
    """Whether `font` is embedded and drew shaped text: one of its glyphs stands for several
    characters (a conjunct, a cluster, a ligature) or one character has several glyphs
    (Arabic's joining forms). Unshaped text maps each character to one glyph and back."""
    reader = PdfReader(BytesIO(content))
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            pdf_font = ref.get_object()
            if not str(pdf_font["/BaseFont"]).endswith(font):
                continue
            cmap = pdf_font["/ToUnicode"].get_object().get_data().decode("latin-1")
            targets = [
                bytes.fromhex(hexed).decode("utf-16-be")
                for hexed in re.findall(r"<[0-9A-F]{4}> <([0-9A-F]*)>", cmap)
            ]
            characters = [t for t in targets if len(t) == 1 and not t.isspace()]
            if any(len(t) > 1 for t in targets) or len(characters) > len(set(characters)):
                return True
    return False


def embeds(content: bytes, font: str) -> bool:
    return any(
        str(ref.get_object()["/BaseFont"]).endswith(font)
        for page in PdfReader(BytesIO(content)).pages
        for ref in page["/Resources"]["/Font"].values()
    )


@pytest.fixture
def no_missing_glyphs(caplog):
    """Fails the test if fpdf2 drew any character with no glyph in the fonts (an empty box)."""
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        yield
    missing = [r.getMessage() for r in caplog.records if "missing the following" in r.message]
    assert not missing, missing


def named_in(script: Script):
    """A completed visit whose clinic, location, practitioner, patient and service are named in
    `script`, invoiced, paid at the counter and refunded by credit note."""
    clinic = Clinic.current()
    clinic.name, clinic.address, clinic.gstin = script.clinic, script.address, "29AAGCA4821K1Z6"
    clinic.save()
    cal = bookable_calendar(
        practitioner=PractitionerFactory(user__full_name=script.practitioner),
        location=LocationFactory(name=script.location, address=script.address, city=script.city),
    )
    cal.service.name = script.service
    cal.service.save()
    invoice = issued_invoice(completed(cal, PatientFactory(full_name=script.patient)))
    staff = StaffFactory()
    payment = payment_record(invoice=invoice, method="upi", by=staff, reference="UPI123456")
    note = credit_note_issue(invoice=invoice, reason=script.reason, by=staff)
    invoice.refresh_from_db()
    return invoice, payment, note


@pytest.mark.django_db
@pytest.mark.parametrize("name", SCRIPTS)
def test_invoice_receipt_and_credit_note_print_the_names_in_their_script(name, no_missing_glyphs):
    script = SCRIPTS[name]
    invoice, payment, note = named_in(script)
    names = (script.clinic, script.address, script.patient, script.practitioner)

    total = money("INR", invoice.total)
    assert total.startswith("₹")
    content = invoice_pdf(invoice)
    assert_prints(text_of(content), script, *names, script.service, total, invoice.number, "GSTIN")
    receipt = receipt_pdf(payment)
    assert_prints(text_of(receipt), script, *names, total, payment.receipt_number)
    credit = credit_note_pdf(note)
    assert_prints(
        text_of(credit), script, script.clinic, script.patient, script.reason, note.number
    )

    for document in (content, receipt, credit):
        assert embeds(document, script.font)
        if name != "emoji":
            assert shaped(document, script.font), name


def test_a_latin_invoice_embeds_only_the_latin_fonts(db, no_missing_glyphs):
    """Fonts are read when a document needs them: a Latin-only invoice carries Noto Sans alone."""
    invoice = issued_invoice(completed(patient=PatientFactory(full_name="Priya Raman")))
    content = invoice_pdf(invoice)
    fonts = {
        str(ref.get_object()["/BaseFont"]).split("+")[-1]
        for page in PdfReader(BytesIO(content)).pages
        for ref in page["/Resources"]["/Font"].values()
    }
    assert fonts == {"NotoSans", "NotoSansBold"}, fonts
    assert "Priya Raman" in text_of(content)


def test_a_london_invoice_prints_pounds_and_its_vat(db, no_missing_glyphs):
    """Amounts print in the invoice's currency, through the one `money` function."""
    cal = london()
    invoice = paid_booking(cal, start=london_ten(cal)).invoice
    text = text_of(invoice_pdf(invoice))
    assert "£68.00" in text and "VAT £0.50" in text, text
    assert "₹" not in text and "GSTIN" not in text


def test_fallbacks_keep_the_weight_and_print_upright_in_italics():
    pdf = UnicodePDF()
    pdf.set_font(FAMILY, "B", 10)
    assert pdf.get_fallback_font("क", "B") == "notosansdevanagariB"
    # No italic Devanagari ships: the regular weight, not the bold registered first.
    assert pdf.get_fallback_font("क", "I") == "notosansdevanagari"
    assert pdf.get_fallback_font("😀", "B") == "notoemoji"
    assert pdf.get_fallback_font("中", "") is None  # in no shipped font: fpdf2's empty box


def test_characters_in_no_shipped_font_are_spelt_plainly(no_missing_glyphs):
    pdf = UnicodePDF()
    pdf.add_page()
    pdf.set_font(FAMILY, "", 10)
    pdf.cell(0, 6, "Follow-up → review ★ ₹500")
    assert text_of(bytes(pdf.output())) == "Follow-up -> review * ₹500"
