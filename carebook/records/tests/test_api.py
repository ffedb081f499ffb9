from io import BytesIO

import pytest
from django.test import Client
from pypdf import PdfReader

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.accounts.tokens import token_create
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.core.access_log import AccessLog
from carebook.records.tests.factories import prescription, visit

pytestmark = pytest.mark.django_db


def bearer(user) -> Client:
    _token, raw = token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_patient_lists_reads_and_downloads_own_prescriptions():
    done = visit()
    rx = prescription(done)
    prescription(visit())  # someone else's
    api = bearer(done.patient)
    listing = api.get("/api/v1/prescriptions").json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == rx.pk
    one = api.get(f"/api/v1/prescriptions/{rx.pk}").json()
    assert one["number"] == rx.number
    assert one["medicines"][0] == {
        "name": "Amoxicillin",
        "dose": "500 mg",
        "frequency": "Three times a day",
        "duration": "5 days",
    }
    pdf = api.get(f"/api/v1/prescriptions/{rx.pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert rx.number in PdfReader(BytesIO(pdf.content)).pages[0].extract_text()
    assert not AccessLog.objects.exists()


def test_other_callers_get_json_404_and_anonymous_401():
    rx = prescription(visit())
    for user in (PatientFactory(), PractitionerFactory().user):
        response = bearer(user).get(f"/api/v1/prescriptions/{rx.pk}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert bearer(user).get("/api/v1/prescriptions").json()["count"] == 0
    assert Client().get("/api/v1/prescriptions").status_code == 401


def test_practitioner_and_staff_reads_through_the_api_are_logged():
    done = visit()
    rx = prescription(done)
    for user in (done.practitioner.user, StaffFactory()):
        assert bearer(user).get(f"/api/v1/prescriptions/{rx.pk}").status_code == 200
        assert AccessLog.objects.filter(by=user, patient=done.patient).exists()
