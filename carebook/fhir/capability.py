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


def _resource(
    kind: str, interactions: list[str], params: list[dict], versioning="no-version", **extra
) -> dict:
    return {
        "type": kind,
        "interaction": [{"code": code} for code in interactions],
        "versioning": versioning,
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
                    "Idempotency-Key header. Only JSON: XML is 406 (_format or Accept) or 415 "
                    "(a body). A search parameter or modifier not listed here is refused under "
                    "Prefer: handling=strict, else ignored, left out of the self link and named "
                    "in an OperationOutcome entry (search mode outcome), as are limits applied."
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
                        "Patient",
                        ["read", "search-type"],
                        [
                            _param(
                                "identifier",
                                "token",
                                "urn:carebook:patient|<id>.",
                                f"{SPEC}Patient-identifier",
                            ),
                            _param("name", "string", "Part of the name.", f"{SPEC}Patient-name"),
                            _param("email", "token", "Email address, exactly."),
                            _param("phone", "token", "Phone number, in any format."),
                            _param("birthdate", "date", "Date of birth: ge, gt, le, lt, eq."),
                        ],
                        documentation=_(
                            "A patient reads themself; a practitioner the patients who booked "
                            "with them; staff every patient. Reads by others are access-logged."
                        ),
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
                            _param("schedule", "reference", "Schedule/<id>; required unless _id."),
                            _param(
                                "start",
                                "date",
                                "ge, gt, le, lt or eq; without an end, the 7 days from the "
                                "start (said in an OperationOutcome entry); at most 62 days.",
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
                            _param(
                                "_lastUpdated",
                                "date",
                                "Last change: ge, gt, le, lt, eq.",
                                f"{SPEC}Resource-lastUpdated",
                            ),
                            _param("_sort", "string", "date or _lastUpdated; '-' first reverses."),
                        ],
                        versioning="versioned-update",
                        operation=[
                            {
                                "name": "find",
                                "definition": IHE + "appointment-find",
                                "documentation": _(
                                    "ITI-115. Supported: start, end, specialty, visit-type "
                                    "(urn:carebook:service), practitioner (a reference, or an "
                                    "identifier of urn:carebook:practitioner or "
                                    "urn:carebook:registration), location-reference, "
                                    "location-string, patient-reference (one patient), _count. "
                                    "Not supported (refused under Prefer: handling=strict, else "
                                    "ignored and said so in an OperationOutcome entry): "
                                    "organization, patient-resource, reason, "
                                    "referral-identifier, timing, insurance-reference. Without "
                                    "an end, 7 days are searched (said in the Bundle). Aliases: "
                                    "service-type, location, patient."
                                ),
                            },
                            {
                                "name": "hold",
                                "definition": IHE + "appointment-hold",
                                "documentation": _(
                                    "ITI-116. appointment-reference to a proposed appointment "
                                    "from $find; the result is pending. A slot no longer free "
                                    "is 409, a Bundle of one OperationOutcome (fatal, "
                                    "not-found)."
                                ),
                            },
                            {
                                "name": "book",
                                "definition": IHE + "appointment-book",
                                "documentation": _(
                                    "ITI-117. appointment-reference (held or proposed) or "
                                    "appointment-resource (pending: new; booked: modify, a new "
                                    "start moves it; cancelled: cancel), comment. The result is "
                                    "booked; the practitioner's participation stays "
                                    "needs-action until they confirm. Failures are a Bundle of "
                                    "one OperationOutcome (fatal)."
                                ),
                            },
                        ],
                        documentation=_(
                            "Create with a Slot reference, or with start and Practitioner and "
                            'Location participants. Update (If-Match: W/"<versionId>", 412 '
                            "when it has changed) carries out one change: status cancelled, "
                            "fulfilled or noshow (booked for a hold); the practitioner's "
                            "participation accepted (confirm) or declined (reject); or a new "
                            "start (a reschedule: this appointment is cancelled and the new one "
                            "answered 201 with its Location). Elements left out are kept; any "
                            "other change is refused with 422."
                        ),
                        conditionalCreate=False,
                        conditionalUpdate=False,
                        conditionalDelete="not-supported",
                    ),
                ],
            }
        ],
    }
