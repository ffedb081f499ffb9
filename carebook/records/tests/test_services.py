from datetime import timedelta

import pytest

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.booking.models import Appointment
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.services import practitioner_unverify
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from carebook.core.timeutils import now as utcnow
from carebook.records import services, storage
from carebook.records.models import MedicalDocument, Review
from carebook.records.tests.factories import MEDICINE, pdf_upload, png_upload, prescription, visit

pytestmark = pytest.mark.django_db
S = Appointment.Status


def test_prescription_only_for_completed_visit():
    confirmed = visit(days=2, status=S.CONFIRMED)
    with pytest.raises(IllegalTransition):
        prescription(confirmed)
    done = visit()
    rx = prescription(done)
    assert rx.patient == done.patient and rx.practitioner == done.practitioner
    assert [m.name for m in rx.items.all()] == ["Amoxicillin"]


def test_only_the_visits_practitioner_prescribes():
    done = visit()
    for someone in (PractitionerFactory().user, StaffFactory(), done.patient):
        with pytest.raises(PermissionDenied):
            services.prescription_issue(appointment=done, by=someone, medicines=[MEDICINE])


def test_prescription_needs_complete_medicines():
    done = visit()
    with pytest.raises(InvalidInput):
        prescription(done, medicines=[])
    with pytest.raises(InvalidInput):
        prescription(done, medicines=[{"name": "Paracetamol", "dose": "500 mg"}])


def test_note_by_own_practitioner_on_active_or_finished_visit():
    done = visit()
    note = services.session_note_add(appointment=done, by=done.practitioner.user, text=" ok ")
    assert note.text == "ok"
    with pytest.raises(PermissionDenied):
        services.session_note_add(appointment=done, by=PractitionerFactory().user, text="x")
    with pytest.raises(PermissionDenied):
        services.session_note_add(appointment=done, by=done.patient, text="x")
    requested = visit(days=3, status=S.REQUESTED)
    with pytest.raises(IllegalTransition):
        services.session_note_add(appointment=requested, by=requested.practitioner.user, text="x")


def test_review_once_per_completed_visit_by_its_patient():
    done = visit()
    review = services.review_create(appointment=done, by=done.patient, rating=4, comment="Good")
    assert review.practitioner == done.practitioner
    with pytest.raises(IllegalTransition):
        services.review_create(appointment=done, by=done.patient, rating=5)
    assert Review.objects.count() == 1


def test_review_refused_for_other_people_and_unfinished_visits():
    done = visit()
    with pytest.raises(PermissionDenied):
        services.review_create(appointment=done, by=PatientFactory(), rating=5)
    with pytest.raises(PermissionDenied):
        services.review_create(appointment=done, by=done.practitioner.user, rating=5)
    for bad in (0, 6):
        with pytest.raises(InvalidInput):
            services.review_create(appointment=done, by=done.patient, rating=bad)
    upcoming = visit(days=2, status=S.CONFIRMED)
    with pytest.raises(IllegalTransition):
        services.review_create(appointment=upcoming, by=upcoming.patient, rating=5)


def test_only_staff_hide_reviews():
    done = visit()
    review = services.review_create(appointment=done, by=done.patient, rating=1, comment="!!")
    with pytest.raises(PermissionDenied):
        services.review_hide(review=review, by=done.practitioner.user)
    hidden = services.review_hide(review=review, by=StaffFactory(), reason="abusive")
    assert hidden.is_hidden and hidden.hidden_reason == "abusive"


def test_admit_and_discharge():
    done = visit()
    doctor = done.practitioner.user
    admission = services.admission_admit(
        patient=done.patient, by=doctor, ward="Ward A", room="3", reason="Observation"
    )
    assert admission.practitioner == done.practitioner and admission.is_open
    with pytest.raises(IllegalTransition):
        services.admission_admit(patient=done.patient, by=doctor, ward="B", reason="again")
    with pytest.raises(PermissionDenied):
        services.admission_discharge(
            admission=admission, by=PractitionerFactory().user, summary="x"
        )
    with pytest.raises(InvalidInput):
        services.admission_discharge(admission=admission, by=doctor, summary=" ")
    out = services.admission_discharge(admission=admission, by=doctor, summary="Well")
    assert not out.is_open and out.discharged_by == doctor
    with pytest.raises(IllegalTransition):
        services.admission_discharge(admission=out, by=doctor, summary="again")


def test_practitioner_admits_only_own_patients_and_staff_name_the_practitioner():
    stranger = PatientFactory()
    with pytest.raises(PermissionDenied):
        services.admission_admit(
            patient=stranger, by=PractitionerFactory().user, ward="A", reason="x"
        )
    staff = StaffFactory()
    with pytest.raises(InvalidInput):
        services.admission_admit(patient=stranger, by=staff, ward="A", reason="x")
    doctor = bookable_calendar().practitioner
    admission = services.admission_admit(
        patient=stranger, by=staff, ward="A", reason="x", practitioner=doctor
    )
    assert admission.practitioner == doctor
    with pytest.raises(InvalidInput):
        services.admission_discharge(
            admission=admission, by=staff, summary="x", discharged_at=utcnow() + timedelta(days=1)
        )


def test_upload_accepts_pdf_and_png_by_content(private_dir):
    patient = PatientFactory()
    doc = services.document_upload(patient=patient, by=patient, upload=pdf_upload(), title="")
    img = services.document_upload(patient=patient, by=patient, upload=png_upload(), title="X")
    assert (doc.content_type, img.content_type) == ("application/pdf", "image/png")
    assert storage.path_of(doc.storage_name).parent == private_dir / ""
    assert storage.read(doc.storage_name).startswith(b"%PDF-")
    assert not storage.path_of(doc.storage_name).read_bytes().startswith(b"%PDF-")  # encrypted


def test_upload_refuses_too_large(private_dir):
    patient = PatientFactory()
    with pytest.raises(InvalidInput, match="5 MB"):
        services.document_upload(
            patient=patient, by=patient, upload=pdf_upload(size=5 * 1024 * 1024 + 1)
        )
    assert not MedicalDocument.objects.exists()
    assert not private_dir.exists() or not any(private_dir.iterdir())


@pytest.mark.parametrize(
    "name,body",
    [
        ("evil.pdf", b"<html><script>alert(1)</script></html>"),
        ("notes.txt", b"plain text"),
        ("fake.png", b"%PDF-1.4 a pdf named png"),
        ("prog.pdf", b"MZ\x90\x00 an executable"),
    ],
)
def test_upload_refuses_wrong_content(name, body):
    from django.core.files.uploadedfile import SimpleUploadedFile

    patient = PatientFactory()
    upload = SimpleUploadedFile(name, body, content_type="application/pdf")
    with pytest.raises(InvalidInput):
        services.document_upload(patient=patient, by=patient, upload=upload)
    assert not MedicalDocument.objects.exists()


def test_only_the_patient_their_practitioner_or_staff_upload():
    done = visit()
    with pytest.raises(PermissionDenied):
        services.document_upload(patient=done.patient, by=PatientFactory(), upload=pdf_upload())
    with pytest.raises(PermissionDenied):
        services.document_upload(
            patient=done.patient, by=PractitionerFactory().user, upload=pdf_upload()
        )
    doc = services.document_upload(
        patient=done.patient, by=done.practitioner.user, upload=pdf_upload()
    )
    assert doc.uploaded_by == done.practitioner.user


def test_medical_record_is_the_patients_to_edit():
    patient = PatientFactory()
    record = services.medical_record_update(
        patient=patient,
        by=patient,
        allergies="Penicillin\n\n  Dust ",
        conditions="",
        medications="",
    )
    assert record.allergy_list == ["Penicillin", "Dust"]
    with pytest.raises(PermissionDenied):
        services.medical_record_update(
            patient=patient, by=PatientFactory(), allergies="", conditions="", medications=""
        )


def test_a_practitioner_whose_verification_is_withdrawn_writes_nothing_clinical(private_dir):
    done = visit()
    doctor = done.practitioner.user
    practitioner_unverify(practitioner=done.practitioner, by=StaffFactory())
    with pytest.raises(PermissionDenied):
        services.session_note_add(appointment=done, by=doctor, text="Still writing?")
    with pytest.raises(PermissionDenied):
        prescription(done)
    with pytest.raises(PermissionDenied):
        services.document_upload(patient=done.patient, by=doctor, upload=pdf_upload())
    with pytest.raises(PermissionDenied):
        services.admission_admit(patient=done.patient, by=doctor, ward="A", reason="Observation")
    assert not done.session_notes.exists()
