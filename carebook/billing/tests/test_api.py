from io import BytesIO

import pytest
from django.test import Client
from pypdf import PdfReader

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.api.services import token_create
from carebook.billing.services import payment_record
from carebook.billing.tests.factories import completed, issued_invoice

pytestmark = pytest.mark.django_db


def bearer(user) -> Client:
    _token, raw = token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def two_invoices(clinic):
    mine = issued_invoice(completed(patient=PatientFactory(full_name="Priya Raman")))
    payment_record(invoice=mine, method="cash", by=StaffFactory())
    theirs = issued_invoice()
    return mine, theirs


def test_a_patient_lists_only_their_own_invoices(two_invoices):
    mine, _theirs = two_invoices
    body = bearer(mine.patient).get("/api/v1/invoices").json()
    assert body["count"] == 1
    item = body["results"][0]
    assert item["number"] == mine.number
    assert item["total"] == "649.00" and item["paid"] == "649.00"
    assert item["clinic_gstin"] == "29AAGCA4821K1Z6"
    assert item["payments"][0]["method"] == "cash"


def test_staff_list_every_invoice(two_invoices):
    body = bearer(StaffFactory()).get("/api/v1/invoices").json()
    assert body["count"] == 2


def test_invoice_detail_json_and_another_patients_is_404(two_invoices):
    mine, theirs = two_invoices
    c = bearer(mine.patient)
    detail = c.get(f"/api/v1/invoices/{mine.pk}")
    assert detail.status_code == 200
    data = detail.json()
    assert (data["cgst_amount"], data["sgst_amount"], data["status"]) == ("49.50", "49.50", "paid")
    for url in (f"/api/v1/invoices/{theirs.pk}", f"/api/v1/invoices/{theirs.pk}/pdf"):
        response = c.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_invoice_pdf_download(two_invoices):
    mine, _ = two_invoices
    response = bearer(mine.patient).get(f"/api/v1/invoices/{mine.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(BytesIO(response.content)).pages[0].extract_text()
    assert mine.number in text and "Priya Raman" in text


def test_anonymous_callers_are_refused(two_invoices):
    response = Client().get("/api/v1/invoices")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_invoices_are_in_the_openapi_schema(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {
        "/api/v1/invoices",
        "/api/v1/invoices/{invoice_id}",
        "/api/v1/invoices/{invoice_id}/pdf",
    } <= set(paths)
