"""The FHIR endpoints × every kind of caller: the same access rules as the REST API."""

import json
from datetime import UTC

import pytest

from carebook.api.tests.conftest import ROLES, book, local_start
from carebook.booking.services import appointment_hold
from carebook.fhir.tests.conftest import check_resource

pytestmark = pytest.mark.django_db

SECRET_REASON = "secret-reason-9c1d"
FHIR = "application/fhir+json"
ALL = dict.fromkeys(ROLES, 200)
SIGNED_IN = {**ALL, "anonymous": 401}
OWN = {
    "anonymous": 401,
    "patient": 200,
    "other_patient": 404,
    "practitioner": 200,
    "other_practitioner": 404,
    "staff": 200,
}
FOR_THE_PATIENT = {
    "anonymous": 401,
    "patient": 200,
    "other_patient": 403,
    "practitioner": 403,
    "other_practitioner": 403,
    "staff": 200,
}


def _slot(w, hour):
    stamp = local_start(4, hour).astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return f"Slot/{w.cal.practitioner.pk}-{w.cal.location.pk}-{w.cal.service.pk}-{stamp}"


def _new_for_patient(w, hour):
    return {
        "resourceType": "Appointment",
        "status": "proposed",
        "slot": [{"reference": _slot(w, hour)}],
        "participant": [{"actor": {"reference": f"Patient/{w.patient.pk}"}, "status": "accepted"}],
    }


def _post(c, path, body):
    return c.post(f"/fhir/R4/{path}", json.dumps(body), content_type=FHIR)


def _cancel(w, c, a):
    resource = {
        "resourceType": "Appointment",
        "id": str(a.pk),
        "status": "cancelled",
        "participant": [
            {"actor": {"reference": reference}, "required": "required", "status": "declined"}
            for reference in (
                f"Patient/{w.patient.pk}",
                f"Practitioner/{a.practitioner_id}",
                f"Location/{a.location_id}",
            )
        ],
    }
    return c.put(f"/fhir/R4/Appointment/{a.pk}", json.dumps(resource), content_type=FHIR)


def _book_held(w, c, a):
    held = appointment_hold(
        patient=w.patient,
        practitioner=w.cal.practitioner,
        service=w.cal.service,
        location=w.cal.location,
        start=local_start(4, 15),
        mode="in_person",
        reason=SECRET_REASON,
        by=w.patient,
    )
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "appointment-reference",
                "valueReference": {"reference": f"Appointment/{held.pk}"},
            }
        ],
    }
    return _post(c, "Appointment/$book", body)


def _hold(w, c, a):
    body = {
        "resourceType": "Parameters",
        "parameter": [{"name": "appointment", "resource": _new_for_patient(w, 13)}],
    }
    return _post(c, "Appointment/$hold", body)


ENDPOINTS = {
    "metadata": (lambda w, c, a: c.get("/fhir/R4/metadata"), ALL),
    "Practitioner search": (lambda w, c, a: c.get("/fhir/R4/Practitioner"), ALL),
    "Practitioner read": (
        lambda w, c, a: c.get(f"/fhir/R4/Practitioner/{w.cal.practitioner.pk}"),
        ALL,
    ),
    "PractitionerRole search": (lambda w, c, a: c.get("/fhir/R4/PractitionerRole"), ALL),
    "PractitionerRole read": (
        lambda w, c, a: c.get(f"/fhir/R4/PractitionerRole/{w.cal.practitioner.pk}"),
        ALL,
    ),
    "Location search": (lambda w, c, a: c.get("/fhir/R4/Location"), ALL),
    "Location read": (lambda w, c, a: c.get(f"/fhir/R4/Location/{w.cal.location.pk}"), ALL),
    "Schedule search": (lambda w, c, a: c.get("/fhir/R4/Schedule"), ALL),
    "Schedule read": (
        lambda w, c, a: c.get(f"/fhir/R4/Schedule/{w.cal.practitioner.pk}-{w.cal.location.pk}"),
        ALL,
    ),
    "Slot search": (
        lambda w, c, a: c.get(
            "/fhir/R4/Slot",
            {"schedule": f"{w.cal.practitioner.pk}-{w.cal.location.pk}", "status": "busy"},
        ),
        ALL,
    ),
    "Slot read": (lambda w, c, a: c.get(f"/fhir/R4/{_slot(w, 9)}"), ALL),
    "$find": (
        lambda w, c, a: c.get(
            "/fhir/R4/Appointment/$find", {"practitioner": w.cal.practitioner.pk}
        ),
        ALL,
    ),
    "Appointment search": (lambda w, c, a: c.get("/fhir/R4/Appointment"), SIGNED_IN),
    "Appointment search by patient": (
        lambda w, c, a: c.get("/fhir/R4/Appointment", {"patient": f"Patient/{w.patient.pk}"}),
        SIGNED_IN,
    ),
    "Appointment read": (lambda w, c, a: c.get(f"/fhir/R4/Appointment/{a.pk}"), OWN),
    "Appointment create": (
        lambda w, c, a: _post(c, "Appointment", _new_for_patient(w, 11)),
        {**FOR_THE_PATIENT, "patient": 201, "staff": 201},
    ),
    "Appointment cancel": (_cancel, OWN),
    "$hold": (_hold, FOR_THE_PATIENT),
    "$book a hold": (
        _book_held,
        {**OWN, "practitioner": 403},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_fhir_endpoint_answers_each_role_rightly_and_leaks_nothing(world, endpoint, role):
    appointment = book(world.cal, world.patient, local_start(4, 9), reason=SECRET_REASON)
    call, expected = ENDPOINTS[endpoint]
    response = call(world, world.client(role), appointment)
    assert response.status_code == expected[role], (endpoint, role, response.content[:300])
    assert response["Content-Type"].startswith(FHIR)
    check_resource(json.loads(response.content))
    if role not in ("patient", "practitioner", "staff"):
        body = response.content.decode()
        for secret in (SECRET_REASON, world.patient.full_name, world.patient.email):
            assert secret not in body, (endpoint, role, secret)
