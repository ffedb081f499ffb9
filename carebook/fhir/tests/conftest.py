"""FHIR test helpers: every resource we emit must parse with the R4B models and keep the rules
that library does not check (value sets and the Appointment invariants app-2, app-3, app-4)."""

import json
from datetime import datetime

from fhir.resources.R4B import get_fhir_model_class

from carebook.api.tests.conftest import past_confirmed, world  # noqa: F401 - shared fixtures

FHIR_JSON = "application/fhir+json"

# Official R4 value sets (required bindings).
APPOINTMENT_STATUSES = {
    "proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
    "entered-in-error", "checked-in", "waitlist",
}  # fmt: skip
SLOT_STATUSES = {"busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error"}
PARTICIPATION_STATUSES = {"accepted", "declined", "tentative", "needs-action"}
PARTICIPANT_REQUIRED = {"required", "optional", "information-only"}
BUNDLE_TYPES = {"searchset", "collection"}
ISSUE_SEVERITIES = {"fatal", "error", "warning", "information"}


def check_appointment(resource: dict) -> None:
    status = resource["status"]
    assert status in APPOINTMENT_STATUSES, status
    # app-2: minutesDuration, when present, is positive.
    assert resource.get("minutesDuration", 1) > 0
    # app-3: start and end are both present unless proposed, cancelled or waitlist.
    if status not in ("proposed", "cancelled", "waitlist"):
        assert "start" in resource and "end" in resource, resource
    assert ("start" in resource) == ("end" in resource)
    # app-4: a cancellation reason only on a cancelled or no-show appointment.
    if "cancelationReason" in resource:
        assert status in ("cancelled", "noshow"), resource
    assert resource["participant"], "an Appointment has at least one participant"
    for participant in resource["participant"]:
        assert participant["status"] in PARTICIPATION_STATUSES, participant
        assert participant.get("required", "required") in PARTICIPANT_REQUIRED


def check_resource(resource: dict) -> None:
    """Parse with the R4B model of its type and check what the library leaves unchecked."""
    kind = resource["resourceType"]
    get_fhir_model_class(kind).model_validate(resource)
    if kind == "Appointment":
        check_appointment(resource)
    elif kind == "Slot":
        assert resource["status"] in SLOT_STATUSES
        assert datetime.fromisoformat(resource["start"]) < datetime.fromisoformat(resource["end"])
    elif kind == "Bundle":
        assert resource["type"] in BUNDLE_TYPES
        for entry in resource.get("entry", []):
            check_resource(entry["resource"])
    elif kind == "OperationOutcome":
        for issue in resource["issue"]:
            assert issue["severity"] in ISSUE_SEVERITIES
    elif kind == "CapabilityStatement":
        assert resource["fhirVersion"] == "4.0.1"


def fhir(response, status: int = 200) -> dict:
    """The checked FHIR body of `response`, which must have `status`."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith(FHIR_JSON), response["Content-Type"]
    body = json.loads(response.content)
    check_resource(body)
    return body


def entries(bundle: dict) -> list[dict]:
    """The matches of a searchset (not its OperationOutcome entry)."""
    return [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]


def outcome_entry(bundle: dict) -> dict | None:
    """The OperationOutcome entry of a searchset, if any."""
    found = [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == "outcome"]
    return found[0] if found else None


def failure(response, status: int) -> dict:
    """The OperationOutcome of a refused request: the body, or (IHE $hold and $book) a Bundle's
    only entry, severity fatal."""
    body = fhir(response, status)
    if body["resourceType"] == "Bundle":
        assert [e["search"]["mode"] for e in body["entry"]] == ["outcome"], body
        body = body["entry"][0]["resource"]
        assert {i["severity"] for i in body["issue"]} == {"fatal"}
    assert body["resourceType"] == "OperationOutcome"
    return body
