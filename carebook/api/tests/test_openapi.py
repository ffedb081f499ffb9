import pytest
from django.test import Client
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def test_every_operation_is_typed_described_and_documents_its_errors(schema):
    seen = set()
    for method, path, operation in operations(schema):
        seen.add((method, path))
        assert operation.get("summary") and operation.get("description"), (method, path)
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        assert success, (method, path)
        for code, answer in responses.items():
            if code == "204":
                continue
            # A document download answers 200 with the PDF itself; its errors stay JSON.
            pdf = path.endswith("/pdf") and code == "200"
            wanted = "application/pdf" if pdf else "application/json"
            assert wanted in answer["content"], (method, path, code)
        if operation.get("security"):
            assert "401" in responses, (method, path)
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in responses, (method, path)
        if method == "POST" and path.startswith("/api/v1/appointments"):
            assert {"403", "409", "422"} <= set(responses), path
            if "{appointment_id}" in path:
                assert "404" in responses, path
            names = {p["name"] for p in operation.get("parameters", [])}
            assert "Idempotency-Key" in names, path
    assert ("POST", "/api/v1/auth/token") in seen
    assert ("POST", "/api/v1/auth/register") in seen
    assert ("GET", "/api/v1/practitioners/{practitioner_id}/slots") in seen
    assert ("GET", "/api/v1/invoices/{invoice_id}/pdf") in seen
    assert {
        ("GET", f"/api/v1/reports/{name}")
        for name in ("appointments", "revenue", "peak-hours", "visits")
    } <= seen
    # 19 core (with pay and sign-up), 4 invoices (with the staff refund), 3 prescriptions,
    # 4 reports, 6 webhooks
    assert len(seen) == 36


def test_operation_ids_keep_their_published_names(schema):
    # Client generators name methods after operationIds: moving a router to its app keeps them.
    ids = {(method, path): op["operationId"] for method, path, op in operations(schema)}
    assert len(set(ids.values())) == len(ids)
    assert ids["POST", "/api/v1/auth/token"] == "carebook_api_routers_auth_token_obtain"
    assert ids["POST", "/api/v1/auth/register"] == "carebook_api_routers_auth_patient_register"
    assert ids["GET", "/api/v1/specialties"] == "carebook_api_routers_clinic_specialties"
    assert (
        ids["GET", "/api/v1/practitioners/{practitioner_id}/slots"]
        == "carebook_api_routers_clinic_practitioner_slots"
    )
    assert ids["POST", "/api/v1/appointments"] == "carebook_api_routers_booking_appointment_create"
    assert ids["GET", "/api/v1/invoices"] == "carebook_api_routers_billing_invoice_list"
    assert ids["GET", "/api/v1/prescriptions"] == "carebook_api_routers_records_prescription_list"


def test_schemas_carry_examples_and_both_auth_schemes(schema):
    booking = schema["components"]["schemas"]["AppointmentIn"]["properties"]
    assert booking["start"]["examples"] == ["2026-03-03T09:00:00+05:30"]
    assert schema["components"]["schemas"]["ErrorOut"]["properties"]["code"]["examples"]
    assert set(schema["components"]["securitySchemes"]) == {"BearerAuth", "SessionAuth"}


def test_swagger_ui_is_served():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_the_document_is_valid_openapi(schema):
    # Parameters once carried JSON Schema's `examples` list where OpenAPI wants a map.
    validate(schema)
    assert schema["openapi"].startswith("3.1")


def test_parameter_examples_are_example_objects(schema):
    found = 0
    for _method, _path, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if "examples" in parameter:
                found += 1
                assert all("value" in e for e in parameter["examples"].values()), parameter
    assert found >= 5


def test_servers_and_described_tags(schema):
    assert schema["servers"] and all(server["url"] for server in schema["servers"])
    described = {tag["name"]: tag.get("description") for tag in schema["tags"]}
    used = {op["tags"][0] for _m, _p, op in operations(schema)}
    assert used <= set(described) and all(described[name] for name in used)
