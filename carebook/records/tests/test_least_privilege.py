"""A booking request shows the practitioner only what deciding it needs (name, age, reason); the
full record opens once the visit is confirmed, or when the patient shares it. Every door."""

from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.accounts.tokens import token_create
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_cancel, appointment_confirm
from carebook.core.access_log import AccessLog
from carebook.core.errors import PermissionDenied
from carebook.records import selectors, services
from carebook.records.models import RecordShare
from carebook.records.tests.factories import pdf_upload, prescription, visit

pytestmark = pytest.mark.django_db
S = Appointment.Status


@pytest.fixture(autouse=True)
def document_keys(settings):
    settings.CAREBOOK_DOCUMENT_KEYS = [Fernet.generate_key().decode()]


@pytest.fixture
def asked():
    """A visit the patient asked for, not yet decided; the patient has a full record."""
    patient = PatientFactory(
        full_name="Meera Pillai",
        phone="+91 98450 12345",
        profile__date_of_birth=date(1980, 1, 1),
        profile__blood_group="O-",
    )
    appointment = visit(patient=patient, days=3, status=S.REQUESTED)
    Appointment.objects.filter(pk=appointment.pk).update(reason="Chest pain for two days")
    appointment.refresh_from_db()
    services.medical_record_update(
        patient=patient, by=patient, allergies="Penicillin", conditions="Asthma", medications=""
    )
    appointment.document = services.document_upload(
        patient=patient, by=patient, upload=pdf_upload("ecg.pdf"), title="ECG"
    )
    return appointment


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rest(user) -> Client:
    _token, raw = token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def record_doors(appointment) -> dict[str, int]:
    """The status each door answers the appointment's practitioner for the patient's record."""
    doctor, patient = appointment.practitioner.user, appointment.patient
    client = web(doctor)
    return {
        "record page": client.get(f"/records/patients/{patient.pk}/").status_code,
        "document": client.get(f"/records/documents/{appointment.document.pk}/").status_code,
    }


# --- A request alone -------------------------------------------------------------------------


def test_a_request_alone_opens_nothing_in_the_selectors(asked):
    doctor, patient = asked.practitioner.user, asked.patient
    assert not selectors.can_read_record(user=doctor, patient=patient)
    assert selectors.patient_for_records(user=doctor, pk=patient.pk) is None
    assert selectors.medical_record_get_for(user=doctor, patient=patient) is None
    assert selectors.documents_for(user=doctor, patient=patient) is None
    assert selectors.document_get_for(user=doctor, pk=asked.document.pk) is None
    assert selectors.admissions_for(user=doctor, patient=patient) is None
    assert selectors.notes_for_patient(user=doctor, patient=patient) == []
    assert not AccessLog.objects.filter(by=doctor).exists()


def test_a_request_alone_is_404_at_the_web_door(asked):
    doctor, patient = asked.practitioner.user, asked.patient
    assert record_doors(asked) == {"record page": 404, "document": 404}
    client = web(doctor)
    upload = client.post(f"/records/patients/{patient.pk}/documents/", {"file": pdf_upload()})
    admit = client.post(f"/records/patients/{patient.pk}/admit/", {"ward": "A", "reason": "x"})
    assert (upload.status_code, admit.status_code) == (404, 404)
    assert patient.medical_documents.count() == 1 and not patient.admissions.exists()


def test_a_request_alone_writes_nothing_to_the_record_through_the_services(asked):
    doctor, patient = asked.practitioner.user, asked.patient
    with pytest.raises(PermissionDenied):
        services.document_upload(patient=patient, by=doctor, upload=pdf_upload())
    with pytest.raises(PermissionDenied):
        services.admission_admit(patient=patient, by=doctor, ward="A", reason="Observation")


def test_a_request_alone_shows_nothing_of_the_record_at_the_rest_door(asked):
    doctor, patient = asked.practitioner.user, asked.patient
    elsewhere = prescription(visit(patient=patient))  # another practitioner's
    api = rest(doctor)
    assert api.get(f"/api/v1/prescriptions/{elsewhere.pk}").status_code == 404
    assert api.get(f"/api/v1/prescriptions/{elsewhere.pk}/pdf").status_code == 404
    assert api.get("/api/v1/prescriptions").json()["count"] == 0
    # The request itself shows what deciding it needs: who, and why.
    detail = api.get(f"/api/v1/appointments/{asked.pk}").json()
    assert detail["patient"]["name"] == "Meera Pillai" and "Chest pain" in detail["reason"]
    assert "Penicillin" not in str(detail) and "O-" not in str(detail)


def test_the_practice_pages_show_the_minimal_card_for_a_request(asked):
    doctor, patient = asked.practitioner.user, asked.patient
    client = web(doctor)
    response = client.get(f"/practice/patients/{patient.pk}/")
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "practice/patient_request.html"
    page = response.content.decode()
    assert "Meera Pillai" in page and "years" in page and "Chest pain for two days" in page
    for hidden in ("98450 12345", "O-", "Penicillin", "Asthma", "ECG"):
        assert hidden not in page
    assert f"/records/patients/{patient.pk}/" not in page

    listing = client.get("/practice/patients/").content.decode()
    assert "Meera Pillai" in listing and "Request waiting" in listing
    assert "98450 12345" not in listing
    assert not client.get("/practice/patients/?q=98450").context["page"].object_list

    today = client.get("/practice/").context["board"]
    assert [(a.pk, a.patient_age is not None) for a in today.pending] == [(asked.pk, True)]


# --- Confirmed, shared -----------------------------------------------------------------------


def test_confirming_the_visit_opens_the_record_at_every_door(asked):
    doctor, patient = asked.practitioner.user, asked.patient
    appointment_confirm(appointment=asked, by=doctor)
    assert record_doors(asked) == {"record page": 200, "document": 200}
    client = web(doctor)
    record = client.get(f"/records/patients/{patient.pk}/").content.decode()
    assert "Penicillin" in record and "ECG" in record
    full = client.get(f"/practice/patients/{patient.pk}/")
    assert [t.name for t in full.templates][0] == "practice/patient.html"
    assert "98450 12345" in full.content.decode()
    assert AccessLog.objects.filter(by=doctor, patient=patient, what="record").exists()


def test_a_completed_visit_keeps_the_record_open_and_a_cancelled_one_closes_it(asked):
    doctor = asked.practitioner.user
    completed = visit(cal=None, patient=asked.patient)
    assert selectors.can_read_record(user=completed.practitioner.user, patient=asked.patient)
    appointment_confirm(appointment=asked, by=doctor)
    asked.refresh_from_db()
    appointment_cancel(appointment=asked, by=doctor, reason="Away")
    assert record_doors(asked) == {"record page": 404, "document": 404}


def test_sharing_opens_the_record_and_unsharing_closes_it(asked):
    patient, practitioner = asked.patient, asked.practitioner
    share = services.record_share(patient=patient, practitioner=practitioner, by=patient)
    assert services.record_share(patient=patient, practitioner=practitioner, by=patient) == share
    assert record_doors(asked) == {"record page": 200, "document": 200}
    services.record_unshare(patient=patient, practitioner=practitioner, by=patient)
    assert record_doors(asked) == {"record page": 404, "document": 404}
    share.refresh_from_db()
    assert share.revoked_at is not None  # the history stays


def test_only_the_patient_shares_their_record(asked):
    for someone in (PatientFactory(), asked.practitioner.user, StaffFactory()):
        with pytest.raises(PermissionDenied):
            services.record_share(
                patient=asked.patient, practitioner=asked.practitioner, by=someone
            )
    assert not RecordShare.objects.exists()


def test_the_patient_flips_the_share_switch_on_the_appointment_page(asked):
    patient, practitioner = asked.patient, asked.practitioner
    client = web(patient)
    page = client.get(f"/appointments/{asked.pk}/").content.decode()
    assert "Share my health record with" in page
    response = client.post(
        f"/records/shares/{practitioner.pk}/", {"share": "1", "next": f"/appointments/{asked.pk}/"}
    )
    assert response.status_code == 302 and response["Location"] == f"/appointments/{asked.pk}/"
    assert selectors.record_shared_with(user=patient, practitioner_id=practitioner.pk)
    assert record_doors(asked)["record page"] == 200
    assert "Stop sharing" in client.get(f"/appointments/{asked.pk}/").content.decode()
    assert practitioner.display_name in client.get("/records/health/").content.decode()

    client.post(f"/records/shares/{practitioner.pk}/", {"share": "0"})
    assert not selectors.record_shared_with(user=patient, practitioner_id=practitioner.pk)
    assert record_doors(asked)["record page"] == 404


def test_the_share_switch_is_the_patients_alone(asked):
    practitioner = asked.practitioner
    for someone in (practitioner.user, StaffFactory()):
        response = web(someone).post(f"/records/shares/{practitioner.pk}/", {"share": "1"})
        assert response.status_code == 404
    assert web(asked.patient).get(f"/records/shares/{practitioner.pk}/").status_code == 405
    assert not RecordShare.objects.exists()


def test_the_practitioner_sees_no_record_link_before_confirming(asked):
    doctor = asked.practitioner.user
    link = f"/records/patients/{asked.patient_id}/"
    assert link not in web(doctor).get(f"/appointments/{asked.pk}/").content.decode()
    appointment_confirm(appointment=asked, by=doctor)
    assert link in web(doctor).get(f"/appointments/{asked.pk}/").content.decode()
