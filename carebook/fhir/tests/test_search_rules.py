"""Searches say what they did (#15): declared parameters work, others are refused under
Prefer: handling=strict or reported, limits the server applies are reported, XML is refused."""

import json
from datetime import timedelta

import pytest
from django.test import Client

from carebook.api.tests.conftest import book, local_start
from carebook.booking.services import appointment_book
from carebook.clinic.tests.factories import ServiceFactory
from carebook.fhir.capability import capability_statement
from carebook.fhir.tests.conftest import entries, failure, fhir, outcome_entry
from carebook.fhir.tests.test_views import schedule, slot_id
from carebook.fhir.views.appointment import APPOINTMENT_PARAMS
from carebook.fhir.views.location import LOCATION_PARAMS
from carebook.fhir.views.patient import PATIENT_PARAMS
from carebook.fhir.views.practitioner import PRACTITIONER_PARAMS, ROLE_PARAMS
from carebook.fhir.views.schedule import SCHEDULE_PARAMS
from carebook.fhir.views.slot import SLOT_PARAMS

pytestmark = pytest.mark.django_db
STRICT = {"HTTP_PREFER": "handling=strict"}


def self_link(bundle: dict) -> str:
    return next(link["url"] for link in bundle["link"] if link["relation"] == "self")


def test_slot_id_search_finds_that_slot_only(world):
    start = local_start(3, 10)
    wanted = slot_id(world.cal, start)
    for params in ({"_id": wanted}, {"_id": wanted, "schedule": schedule(world.cal)}):
        bundle = fhir(Client().get("/fhir/R4/Slot", params))
        assert bundle["total"] == 1 and [s["id"] for s in entries(bundle)] == [wanted]
        assert "_id=" in self_link(bundle)
    other = fhir(Client().get("/fhir/R4/Slot", {"_id": wanted, "status": "busy"}))
    assert other["total"] == 0
    gone = fhir(Client().get("/fhir/R4/Slot", {"_id": "1-1-1-20000101000000"}))
    assert gone["total"] == 0


def test_an_unsupported_modifier_is_400_when_strict_and_reported_otherwise(world):
    client = Client()
    refused = failure(client.get("/fhir/R4/Practitioner", {"name:exact": "Nobody"}, **STRICT), 400)
    assert refused["issue"][0]["code"] == "not-supported"
    assert "name:exact" in refused["issue"][0]["diagnostics"]
    lenient = fhir(client.get("/fhir/R4/Practitioner", {"name:exact": "Nobody", "_count": 5}))
    assert lenient["total"] == 2  # ignored, not applied
    assert "name" not in self_link(lenient)
    note = outcome_entry(lenient)
    assert note["issue"][0]["code"] == "not-supported" and "name:exact" in json.dumps(note)
    assert outcome_entry(fhir(client.get("/fhir/R4/Practitioner"))) is None


@pytest.mark.parametrize(
    "path", ["Practitioner", "PractitionerRole", "Location", "Schedule", "Appointment", "Patient"]
)
def test_every_search_refuses_an_unknown_parameter_when_strict(world, path):
    client = world.client("staff")
    failure(client.get(f"/fhir/R4/{path}", {"colour": "blue"}, **STRICT), 400)
    assert outcome_entry(fhir(client.get(f"/fhir/R4/{path}", {"colour": "blue"})))


def test_a_slot_search_cut_to_seven_days_says_so(world):
    day = local_start(3).date()
    params = {"schedule": schedule(world.cal), "start": f"ge{day}", "_count": 100}
    bundle = fhir(Client().get("/fhir/R4/Slot", params))
    note = outcome_entry(bundle)
    assert note is not None and "7 days" in note["issue"][0]["diagnostics"]
    assert note["issue"][0]["severity"] == "information"
    bounded = {**params, "start": [f"ge{day}", f"lt{day + timedelta(days=1)}"]}
    assert outcome_entry(fhir(Client().get("/fhir/R4/Slot", bounded))) is None


def test_an_issued_slot_covered_by_another_services_visit_is_busy(world):
    start = local_start(3, 10)
    short = slot_id(world.cal, start + timedelta(minutes=30))
    assert fhir(Client().get(f"/fhir/R4/Slot/{short}"))["status"] == "free"
    hour = ServiceFactory(practitioner=world.cal.practitioner, duration_minutes=60)
    appointment_book(
        patient=world.patient,
        practitioner=world.cal.practitioner,
        service=hour,
        location=world.cal.location,
        start=start,
        mode="in_person",
        by=world.patient,
    )
    slot = fhir(Client().get(f"/fhir/R4/Slot/{short}"))
    assert slot["status"] == "busy" and slot["id"] == short
    assert fhir(Client().get("/fhir/R4/Slot", {"_id": short}))["total"] == 1


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_ACCEPT": "application/fhir+xml"},
        {"HTTP_ACCEPT": "application/xml, text/xml"},
        {"QUERY_STRING": "_format=xml"},
        {"QUERY_STRING": "_format=application/fhir+xml"},
    ],
)
def test_xml_is_not_served(world, extra):
    body = failure(Client().get("/fhir/R4/metadata", **extra), 406)
    assert body["issue"][0]["code"] == "not-supported"


def test_json_is_served_whatever_way_it_is_asked_for(world):
    for extra in (
        {"HTTP_ACCEPT": "application/fhir+json"},
        {"HTTP_ACCEPT": "application/json"},
        {"HTTP_ACCEPT": "*/*"},
        {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
        {"QUERY_STRING": "_format=json"},
        {"QUERY_STRING": "_format=application/fhir+json"},
    ):
        fhir(Client().get("/fhir/R4/metadata", **extra))


def test_an_xml_body_is_415(world):
    xml = '<Parameters xmlns="http://hl7.org/fhir"/>'
    for path in ("Appointment/$find", "Appointment/$hold", "Appointment"):
        response = world.client("patient").post(
            f"/fhir/R4/{path}", xml, content_type="application/fhir+xml"
        )
        failure(response, 415)


def test_appointments_sort_and_filter_by_last_update(world):
    first = book(world.cal, world.patient, local_start(3, 9))
    second = book(world.cal, world.patient, local_start(4, 9))
    client = world.client("patient")

    def ids(**params):
        return [int(r["id"]) for r in entries(fhir(client.get("/fhir/R4/Appointment", params)))]

    assert ids() == [first.pk, second.pk]
    assert ids(_sort="-date") == [second.pk, first.pk]
    assert ids(_sort="-_lastUpdated") == [second.pk, first.pk]
    later = (second.updated_at + timedelta(hours=1)).isoformat()
    assert ids(_lastUpdated=f"ge{later}") == []
    assert ids(_lastUpdated=f"lt{later}") == [first.pk, second.pk]
    failure(client.get("/fhir/R4/Appointment", {"_sort": "colour"}, **STRICT), 400)
    assert outcome_entry(fhir(client.get("/fhir/R4/Appointment", {"_sort": "colour"})))


def test_the_capability_statement_declares_exactly_the_parameters_served(world):
    served = {
        r["type"]: r for r in capability_statement("http://x/fhir/R4/")["rest"][0]["resource"]
    }
    declared = {
        "Practitioner": PRACTITIONER_PARAMS,
        "PractitionerRole": ROLE_PARAMS,
        "Location": LOCATION_PARAMS,
        "Schedule": SCHEDULE_PARAMS,
        "Slot": SLOT_PARAMS,
        "Appointment": APPOINTMENT_PARAMS,
        "Patient": PATIENT_PARAMS,
    }
    for kind, params in declared.items():
        names = {p["name"] for p in served[kind]["searchParam"]} - {"_count", "_page"}
        assert names == set(params), kind
    assert served["Appointment"]["versioning"] == "versioned-update"
