"""Patient (#15): the patient themself, their practitioners and staff read it; others do not;
every read by someone else is access-logged; an Appointment's references all resolve."""

import pytest
from django.test import Client

from carebook.accounts.models import PatientProfile
from carebook.api.tests.conftest import book, local_start
from carebook.core.access_log import AccessLog
from carebook.fhir.tests.conftest import entries, failure, fhir

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(world):
    PatientProfile.objects.update_or_create(
        user=world.patient, defaults={"gender": "female", "date_of_birth": "1990-04-01"}
    )
    return book(world.cal, world.patient, local_start(3, 9))


@pytest.mark.parametrize(
    ("role", "status", "logged"),
    [
        ("patient", 200, False),
        ("practitioner", 200, True),
        ("staff", 200, True),
        ("other_patient", 404, False),
        ("other_practitioner", 404, False),
        ("anonymous", 401, False),
    ],
)
def test_patient_read_by_role_and_logged(world, booked, role, status, logged):
    response = world.client(role).get(f"/fhir/R4/Patient/{world.patient.pk}")
    if status != 200:
        failure(response, status)
    else:
        patient = fhir(response)
        assert patient["name"] == [{"text": "Priya Secretname"}]
        assert patient["gender"] == "female" and patient["birthDate"] == "1990-04-01"
        assert {"system": "email", "value": "priya@example.test"} in patient["telecom"]
    reads = AccessLog.objects.filter(
        patient=world.patient, what=AccessLog.What.PATIENT_PROFILE, door=AccessLog.Door.FHIR
    )
    assert reads.exists() == logged


def test_patient_search_shows_only_whom_the_caller_may_see(world, booked):
    def ids(role, **params):
        bundle = fhir(world.client(role).get("/fhir/R4/Patient", params))
        return [int(r["id"]) for r in entries(bundle)]

    assert ids("patient") == [world.patient.pk]
    assert ids("practitioner") == [world.patient.pk]
    assert ids("other_practitioner") == []
    assert world.other_patient.pk in ids("staff")
    assert ids("staff", name="secret") == [world.patient.pk]
    assert ids("staff", email="PRIYA@example.test") == [world.patient.pk]
    assert ids("staff", identifier=f"urn:carebook:patient|{world.patient.pk}") == [world.patient.pk]
    assert ids("staff", birthdate="1990-04-01") == [world.patient.pk]
    assert ids("staff", birthdate="ge1991-01-01") == []
    failure(Client().get("/fhir/R4/Patient"), 401)


@pytest.mark.parametrize("role", ["patient", "practitioner", "staff"])
def test_every_reference_in_an_appointment_resolves(world, booked, role):
    client = world.client(role)
    appointment = fhir(client.get(f"/fhir/R4/Appointment/{booked.pk}"))
    references = [p["actor"]["reference"] for p in appointment["participant"]]
    references += [s["reference"] for s in appointment["slot"]]
    assert {r.split("/")[0] for r in references} == {"Patient", "Practitioner", "Location", "Slot"}
    for reference in references:
        assert fhir(client.get(f"/fhir/R4/{reference}"))["id"] == reference.split("/")[1]
