"""The CapabilityStatement: exactly the interactions, parameters and operations served here."""

from django.utils.translation import gettext as _

IHE = "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/"
SPEC = "http://hl7.org/fhir/SearchParameter/"
RELEASED = "2026-01-01"


def _param(name: str, kind: str, doc: str, definition: str = "") -> dict:
    param = {"name": name, "type": kind, "documentation": doc}
    if definition:
        param["definition"] = definition
    return param


PAGING = [
    _param("_count", "number", "Entries per page, 0 to 100 (default 20)."),
    _param("_page", "number", "Page number, from 1; Bundle links give next/previous."),
]


def _resource(kind: str, interactions: list[str], params: list[dict], **extra) -> dict:
    return {
        "type": kind,
        "interaction": [{"code": code} for code in interactions],
        "versioning": "no-version",
        "readHistory": False,
        "updateCreate": False,
        "searchParam": [
            _param("_id", "token", "Logical id.", f"{SPEC}Resource-id"),
            *params,
            *PAGING,
        ],
        **extra,
    }


def capability_statement(base: str) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "id": "carebook",
        "status": "active",
        "date": RELEASED,
        "publisher": "carebook",
        "kind": "instance",
        "software": {"name": "carebook"},
        "implementation": {"description": _("carebook FHIR R4 scheduling API"), "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": _(
                    "Directory resources (Practitioner, PractitionerRole, Location, Schedule, "
                    "Slot) are public. Appointments need a bearer token from "
                    "POST /api/v1/auth/token (Authorization: Bearer <token>) or the site's "
                    "session, and show only what the caller may see. POST and PUT accept an "
                    "Idempotency-Key header."
                ),
                "security": {
                    "cors": False,
                    "description": _("Bearer tokens from POST /api/v1/auth/token."),
                },
                "resource": [
                    _resource(
                        "Practitioner",
                        ["read", "search-type"],
                        [
                            _param(
                                "name", "string", "Part of the name.", f"{SPEC}Practitioner-name"
                            ),
                            _param(
                                "specialty", "token", "Specialty code (urn:carebook:specialty)."
                            ),
                        ],
                    ),
                    _resource(
                        "PractitionerRole",
                        ["read", "search-type"],
                        [
                            _param("practitioner", "reference", "Practitioner/<id>."),
                            _param(
                                "specialty", "token", "Specialty code (urn:carebook:specialty)."
                            ),
                            _param("location", "reference", "Location/<id>."),
                        ],
                    ),
                    _resource(
                        "Location",
                        ["read", "search-type"],
                        [
                            _param("name", "string", "Part of the name."),
                            _param("address-city", "string", "City."),
                        ],
                    ),
                    _resource(
                        "Schedule",
                        ["read", "search-type"],
                        [_param("actor", "reference", "Practitioner/<id> or Location/<id>.")],
                    ),
                    _resource(
                        "Slot",
                        ["read", "search-type"],
                        [
                            _param("schedule", "reference", "Schedule/<id>; required."),
                            _param(
                                "start",
                                "date",
                                "ge, gt, le, lt or eq; default the next 7 days, at most 62.",
                            ),
                            _param("status", "token", "free or busy."),
                            _param("service-type", "token", "Service code (urn:carebook:service)."),
                        ],
                    ),
                    _resource(
                        "Appointment",
                        ["read", "search-type", "create", "update"],
                        [
                            _param("patient", "reference", "Patient/<id>."),
                            _param("practitioner", "reference", "Practitioner/<id>."),
                            _param("location", "reference", "Location/<id>."),
                            _param("date", "date", "Start range: ge, gt, le, lt, eq."),
                            _param("status", "token", "Appointment status."),
                        ],
                        operation=[
                            {"name": "find", "definition": IHE + "appointment-find"},
                            {"name": "hold", "definition": IHE + "appointment-hold"},
                            {"name": "book", "definition": IHE + "appointment-book"},
                        ],
                        documentation=_(
                            "Create with a Slot reference, or with start and Practitioner and "
                            "Location participants; the result is booked or proposed as the "
                            "practitioner's rules say. Update changes only status, to cancelled."
                        ),
                        conditionalCreate=False,
                        conditionalUpdate=False,
                        conditionalDelete="not-supported",
                    ),
                ],
            }
        ],
    }
