from io import BytesIO

import pytest
from django.test import Client
from pypdf import PdfReader

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.accounts.tokens import token_create
from carebook.billing.models import CreditNote, Invoice
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
    assert (data["tax"], data["currency"], data["status"]) == (
        {"CGST": "49.50", "SGST": "49.50", "IGST": "0.00"},
        "INR",
        "paid",
    )
    assert [line["kind"] for line in data["lines"]] == ["service", "service_charge"]
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


def test_staff_refund_part_of_an_invoice_through_the_api(two_invoices):
    mine, _ = two_invoices
    staff = bearer(StaffFactory())
    url = f"/api/v1/invoices/{mine.pk}/refund"
    response = staff.post(
        url, {"amount": "149.00", "reason": "Ran late"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["reason"], body["invoice_id"]) == ("149.00", "Ran late", mine.pk)
    assert body["number"].startswith("CB-CN/")
    assert body["refund_status"] == "at_counter"  # paid in cash: handed back at the counter
    mine.refresh_from_db()
    assert mine.status == Invoice.Status.PARTIALLY_REFUNDED
    too_much = staff.post(url, {"amount": "500.01", "reason": "x"}, content_type="application/json")
    assert too_much.status_code == 422
    no_reason = staff.post(url, {"amount": "1"}, content_type="application/json")
    assert no_reason.status_code == 422
    rest = staff.post(url, {"reason": "Goodwill"}, content_type="application/json")
    assert rest.status_code == 201 and rest.json()["amount"] == "500.00"
    again = staff.post(url, {"reason": "Again"}, content_type="application/json")
    assert again.status_code == 409
    assert CreditNote.objects.count() == 2


def test_a_patient_cannot_refund_through_the_api(two_invoices):
    mine, theirs = two_invoices
    c = bearer(mine.patient)
    response = c.post(
        f"/api/v1/invoices/{mine.pk}/refund", {"reason": "Please"}, content_type="application/json"
    )
    assert response.status_code == 403
    other = c.post(
        f"/api/v1/invoices/{theirs.pk}/refund", {"reason": "x"}, content_type="application/json"
    )
    assert other.status_code == 404
    assert not CreditNote.objects.exists()


def test_the_refund_endpoint_is_in_the_openapi_schema(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/invoices/{invoice_id}/refund"]
