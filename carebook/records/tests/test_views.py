from io import BytesIO

import pytest
from django.test import Client
from pypdf import PdfReader

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.models import Appointment
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.services import practitioner_unverify
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.core.access_log import AccessLog
from carebook.records import services, storage
from carebook.records.models import MedicalDocument, Review, SessionNote
from carebook.records.tests.factories import pdf_upload, prescription, visit

pytestmark = pytest.mark.django_db
S = Appointment.Status
What = AccessLog.What


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def done():
    return visit()


@pytest.fixture
def note(done):
    return services.session_note_add(
        appointment=done, by=done.practitioner.user, text="Suspect anxiety; private remark."
    )


@pytest.fixture
def document(done):
    return services.document_upload(
        patient=done.patient, by=done.patient, upload=pdf_upload("blood-test.pdf"), title="Bloods"
    )


def strangers():
    return {"other patient": PatientFactory(), "other practitioner": PractitionerFactory().user}


# --- Access --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other patient", "other practitioner"])
def test_strangers_get_404_for_prescription_document_and_record(done, document, who):
    rx = prescription(done)
    client = login(strangers()[who])
    for url in (
        f"/records/prescriptions/{rx.pk}/pdf/",
        f"/records/documents/{document.pk}/",
        f"/records/patients/{done.patient_id}/",
        f"/api/v1/prescriptions/{rx.pk}",
        f"/api/v1/prescriptions/{rx.pk}/pdf",
    ):
        assert client.get(url).status_code == 404, url
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("who", ["other patient", "other practitioner"])
def test_strangers_get_404_for_notes(done, note, who):
    client = login(strangers()[who])
    assert client.get(f"/appointments/{done.pk}/").status_code == 404
    response = client.post(f"/records/appointments/{done.pk}/notes/", {"text": "sneaky"})
    assert response.status_code == 404
    assert SessionNote.objects.count() == 1


def test_patient_never_sees_session_notes(done, note):
    page = login(done.patient).get(f"/appointments/{done.pk}/")
    assert page.status_code == 200
    assert "private remark" not in page.content.decode()
    assert "Session notes" not in page.content.decode()
    response = login(done.patient).post(f"/records/appointments/{done.pk}/notes/", {"text": "x"})
    assert response.status_code == 404


def test_practitioner_and_staff_see_notes_on_the_appointment_page(done, note):
    for user in (done.practitioner.user, StaffFactory()):
        page = login(user).get(f"/appointments/{done.pk}/")
        assert "private remark" in page.content.decode()


def test_practitioner_writes_note_from_the_appointment_page(done):
    client = login(done.practitioner.user)
    response = client.post(f"/records/appointments/{done.pk}/notes/", {"text": "BP fine"})
    assert response.status_code == 302
    assert SessionNote.objects.get().text == "BP fine"


def test_withdrawn_verification_closes_the_record_and_refuses_a_note(done):
    doctor = done.practitioner.user
    practitioner_unverify(practitioner=done.practitioner, by=StaffFactory())
    client = login(doctor)
    assert client.get(f"/records/patients/{done.patient_id}/").status_code == 404
    assert client.post(f"/records/appointments/{done.pk}/notes/", {"text": "x"}).status_code == 404
    assert not SessionNote.objects.exists()
    assert not AccessLog.objects.filter(by=doctor).exists()


def test_prescribe_page_only_for_completed_visits(done):
    doctor = done.practitioner.user
    client = login(doctor)
    data = {
        "med-TOTAL_FORMS": "2",
        "med-INITIAL_FORMS": "0",
        "med-0-name": "Paracetamol",
        "med-0-dose": "500 mg",
        "med-0-frequency": "Twice a day",
        "med-0-duration": "3 days",
        "instructions": "After food",
    }
    assert client.get(f"/records/appointments/{done.pk}/prescribe/").status_code == 200
    assert client.post(f"/records/appointments/{done.pk}/prescribe/", data).status_code == 302
    assert done.prescriptions.get().items.get().name == "Paracetamol"
    upcoming = visit(cal=_cal_of(done), days=2, status=S.CONFIRMED)
    response = client.post(f"/records/appointments/{upcoming.pk}/prescribe/", data)
    assert response.status_code == 400
    assert "completed visits only" in response.content.decode()
    assert not upcoming.prescriptions.exists()
    assert login(done.patient).get(f"/records/appointments/{done.pk}/prescribe/").status_code == 404


def _cal_of(appt):
    from carebook.booking.tests.factories import Calendar

    return Calendar(appt.practitioner, appt.service, appt.location)


# --- Prescription PDF ----------------------------------------------------------------------


def test_patient_downloads_own_prescription_pdf_with_its_text(done):
    rx = prescription(done, instructions="Drink water — rest well ₹0 “quotes”")
    response = login(done.patient).get(f"/records/prescriptions/{rx.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    for expected in (
        rx.number,
        done.patient.full_name,
        "Amoxicillin",
        "500 mg",
        "Three times a day",
        "5 days",
        "Drink water — rest well ₹0 “quotes”",
    ):
        assert expected in text, expected
    assert not AccessLog.objects.exists()  # the patient's own read is not logged


def test_prescriptions_list_for_patient(done):
    rx = prescription(done)
    page = login(done.patient).get("/records/prescriptions/")
    assert rx.number in page.content.decode()
    assert (
        prescription(visit()).number
        not in login(done.patient).get("/records/prescriptions/").content.decode()
    )


# --- Documents -----------------------------------------------------------------------------


def test_patient_uploads_and_downloads_document(done):
    client = login(done.patient)
    response = client.post(
        f"/records/patients/{done.patient_id}/documents/",
        {"title": "X-ray", "file": pdf_upload("xray.pdf")},
    )
    assert response.status_code == 302
    doc = MedicalDocument.objects.get()
    download = client.get(f"/records/documents/{doc.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="xray.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert "X-ray" in client.get("/records/health/").content.decode()


def test_upload_view_refuses_wrong_type_and_size(done):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(done.patient)
    url = f"/records/patients/{done.patient_id}/documents/"
    fake = SimpleUploadedFile("cv.pdf", b"GIF89a not a pdf", content_type="application/pdf")
    response = client.post(url, {"file": fake}, follow=True)
    assert "Only PDF, JPEG and PNG" in response.content.decode()
    response = client.post(url, {"file": pdf_upload(size=5 * 1024 * 1024 + 10)}, follow=True)
    assert "larger than 5 MB" in response.content.decode()
    assert not MedicalDocument.objects.exists()


def test_documents_are_not_under_media_and_not_served_there(settings, tmp_path, done):
    del settings.RECORDS_PRIVATE_DIR
    settings.VAR_DIR = tmp_path
    doc = services.document_upload(patient=done.patient, by=done.patient, upload=pdf_upload())
    path = storage.path_of(doc.storage_name).resolve()
    assert path.exists()
    assert path.is_relative_to(tmp_path / "private")
    assert not path.is_relative_to(storage.Path(settings.MEDIA_ROOT).resolve())
    client = login(done.patient)
    for url in (
        f"/media/{doc.storage_name}",
        f"/media/private/{doc.storage_name}",
        f"/media/private/documents/{doc.storage_name}",
        f"/media/../private/documents/{doc.storage_name}",
    ):
        # Not found, or refused as a suspicious path (400): never the file.
        assert client.get(url).status_code in (400, 404), url


def test_anonymous_cannot_download(document):
    response = Client().get(f"/records/documents/{document.pk}/")
    assert response.status_code == 302 and "/login" in response["Location"]


# --- Access log ----------------------------------------------------------------------------


def test_practitioner_and_staff_reads_are_logged_not_the_patients(done, document, note):
    rx = prescription(done)
    patient = done.patient
    own = login(patient)
    own.get("/records/health/")
    own.get(f"/records/documents/{document.pk}/")
    own.get(f"/records/prescriptions/{rx.pk}/pdf/")
    own.get(f"/appointments/{done.pk}/")
    assert not AccessLog.objects.exists()

    doctor = done.practitioner.user
    assert login(doctor).get(f"/records/patients/{patient.pk}/").status_code == 200
    logged = set(AccessLog.objects.filter(by=doctor).values_list("what", flat=True))
    assert {What.RECORD, What.DOCUMENT, What.ADMISSION, What.NOTE} <= logged
    assert AccessLog.objects.filter(by=doctor, patient=patient).count() >= 4

    staff = StaffFactory()
    login(staff).get(f"/records/documents/{document.pk}/")
    entry = AccessLog.objects.get(by=staff)
    assert (entry.patient, entry.what, entry.object_id) == (patient, What.DOCUMENT, document.pk)

    login(doctor).get(f"/records/prescriptions/{rx.pk}/pdf/")
    assert AccessLog.objects.filter(by=doctor, what=What.PDF, object_id=rx.pk).exists()


def test_staff_access_log_page_filters(done):
    doctor = done.practitioner.user
    login(doctor).get(f"/records/patients/{done.patient_id}/")
    staff = login(StaffFactory())
    page = staff.get("/records/office/access-log/")
    assert page.status_code == 200
    assert doctor.full_name in page.content.decode()
    page = staff.get("/records/office/access-log/", {"by": "nobody-like-this"})
    assert "No reads match" in page.content.decode()
    page = staff.get("/records/office/access-log/", {"what": "record"})
    assert page.context["page"].paginator.count == 1
    assert "Medical record" in page.content.decode()
    page = staff.get("/records/office/access-log/", {"door": "web"})
    assert page.context["page"].paginator.count == AccessLog.objects.count() > 1
    page = staff.get("/records/office/access-log/", {"door": "rest"})
    assert "No reads match" in page.content.decode()
    for user in (doctor, done.patient):
        assert login(user).get("/records/office/access-log/").status_code == 404


# --- Admissions ----------------------------------------------------------------------------


def test_practitioner_admits_then_discharges_from_pages(done):
    doctor = login(done.practitioner.user)
    response = doctor.post(
        f"/records/patients/{done.patient_id}/admit/",
        {"ward": "Ward 3", "room": "Bed 7", "reason": "Observation"},
    )
    assert response.status_code == 302
    page = doctor.get("/records/inpatients/")
    assert done.patient.full_name in page.content.decode() and "Ward 3" in page.content.decode()
    assert 'aria-current="page">In-patients' in page.content.decode()
    admission = done.patient.admissions.get()
    assert (
        login(PractitionerFactory().user)
        .post(f"/records/admissions/{admission.pk}/discharge/", {"summary": "x"})
        .status_code
        == 404
    )
    doctor.post(f"/records/admissions/{admission.pk}/discharge/", {"summary": "Recovered"})
    assert "Nobody is admitted" in doctor.get("/records/inpatients/").content.decode()
    assert "Recovered" in doctor.get("/records/inpatients/discharged/").content.decode()


def test_patients_cannot_open_ward_lists(done):
    assert login(done.patient).get("/records/inpatients/").status_code == 404


def test_staff_see_patient_record_and_inpatients():
    done = visit()
    staff = login(StaffFactory())
    assert staff.get(f"/records/patients/{done.patient_id}/").status_code == 200
    assert staff.get("/records/inpatients/").status_code == 200


# --- Reviews -------------------------------------------------------------------------------


def test_patient_rates_completed_visit_once_and_it_shows(done):
    client = login(done.patient)
    page = client.get(f"/appointments/{done.pk}/")
    assert "Rate this visit" in page.content.decode()
    client.post(f"/records/appointments/{done.pk}/review/", {"rating": "4", "comment": "Kind"})
    response = client.post(
        f"/records/appointments/{done.pk}/review/", {"rating": "1", "comment": "again"}, follow=True
    )
    assert "already reviewed" in response.content.decode()
    assert done.review.rating == 4
    profile = Client().get(f"/practitioners/{done.practitioner_id}/")
    text = profile.content.decode()
    assert "★ 4.0 (1)" in text and "Kind" in text


def test_no_rate_form_before_completion():
    upcoming = visit(days=2, status=S.CONFIRMED)
    page = login(upcoming.patient).get(f"/appointments/{upcoming.pk}/")
    assert "Rate this visit" not in page.content.decode()
    response = login(upcoming.patient).post(
        f"/records/appointments/{upcoming.pk}/review/", {"rating": "5"}
    )
    assert response.status_code == 302
    assert not Review.objects.exists()


def test_directory_shows_average_and_sorts_by_rating():
    cal_a = bookable_calendar()
    cal_b = bookable_calendar()
    for hour, rating in ((9, 5), (10, 4)):
        a = visit(cal=cal_a, hour=hour)
        services.review_create(appointment=a, by=a.patient, rating=rating)
    b = visit(cal=cal_b)
    services.review_create(appointment=b, by=b.patient, rating=5)
    page = Client().get("/practitioners/", {"sort": "rating"})
    text = page.content.decode()
    assert "★ 4.5 (2)" in text and "★ 5.0 (1)" in text
    assert text.index(cal_b.practitioner.display_name) < text.index(cal_a.practitioner.display_name)


def test_staff_hide_review_removes_it_from_average_and_page(done):
    review = services.review_create(appointment=done, by=done.patient, rating=1, comment="Rude!!")
    staff = login(StaffFactory())
    assert "Rude!!" in staff.get("/records/office/reviews/").content.decode()
    staff.post(f"/records/office/reviews/{review.pk}/", {"reason": "abusive"})
    review.refresh_from_db()
    assert review.is_hidden
    profile = Client().get(f"/practitioners/{done.practitioner_id}/").content.decode()
    assert "Rude!!" not in profile and "★ 1.0" not in profile
    assert "★" not in Client().get("/practitioners/").content.decode().split("<main", 1)[1]
    assert login(done.patient).post(f"/records/office/reviews/{review.pk}/").status_code == 404


def test_directory_with_ratings_stays_within_query_bound(django_assert_max_num_queries):
    for _ in range(4):
        a = visit()
        services.review_create(appointment=a, by=a.patient, rating=4)
    client = Client()
    for sort in ("earliest", "rating"):
        with django_assert_max_num_queries(20):
            assert client.get("/practitioners/", {"sort": sort}).status_code == 200
