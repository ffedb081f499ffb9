"""IHE ITI Scheduling (#15): $find (ITI-115), $hold (ITI-116) and $book (ITI-117) with the
profile's own parameter names, statuses and error shapes."""

import json

import pytest
from django.test import Client

from carebook.api.tests.conftest import book, local_start
from carebook.booking.models import Appointment
from carebook.fhir.tests.conftest import entries, failure, fhir, outcome_entry

pytestmark = pytest.mark.django_db
FHIR = "application/fhir+json"
S = Appointment.Status


def post(client, path, body, **extra):
    return client.post(f"/fhir/R4/{path}", json.dumps(body), content_type=FHIR, **extra)


def parameters(*params):
    return {"resourceType": "Parameters", "parameter": list(params)}


def practitioners_in(bundle) -> set[str]:
    return {
        p["actor"]["reference"]
        for a in entries(bundle)
        for p in a["participant"]
        if p["actor"]["reference"].startswith("Practitioner/")
    }


def day_params(day):
    return [
        {"name": "start", "valueDateTime": str(day)},
        {"name": "end", "valueDateTime": str(day)},
    ]


def test_find_hold_book_with_the_ihe_parameter_names(world):
    world.cal.practitioner.registration_number = "KMC-12345"
    world.cal.practitioner.save()
    client = world.client("patient")
    day = local_start(3).date()
    found = fhir(
        post(
            client,
            "Appointment/$find",
            parameters(
                *day_params(day),
                {
                    "name": "practitioner",
                    "valueReference": {
                        "identifier": {"system": "urn:carebook:registration", "value": "KMC-12345"}
                    },
                },
                {
                    "name": "location-reference",
                    "valueReference": {"reference": f"Location/{world.cal.location.pk}"},
                },
                {
                    "name": "visit-type",
                    "valueString": f"urn:carebook:service|{world.cal.service.pk}",
                },
                {
                    "name": "patient-reference",
                    "valueReference": {"reference": f"Patient/{world.patient.pk}"},
                },
            ),
        )
    )
    proposals = entries(found)
    assert found["total"] == 16 and {p["status"] for p in proposals} == {"proposed"}
    assert practitioners_in(found) == {f"Practitioner/{world.cal.practitioner.pk}"}
    choice = proposals[0]
    assert choice["participant"][0]["actor"]["reference"] == f"Patient/{world.patient.pk}"
    assert (
        choice["requestedPeriod"][0]["start"]
        < choice["start"]
        < choice["requestedPeriod"][0]["end"]
    )

    reference = {
        "name": "appointment-reference",
        "valueReference": {"reference": f"Appointment/{choice['id']}"},
    }
    held = fhir(post(client, "Appointment/$hold", parameters(reference)))
    assert held["type"] == "searchset" and held["total"] == 1
    [appointment] = entries(held)
    assert appointment["status"] == "pending" and appointment["start"] == choice["start"]

    # ITI-116: what can no longer be held is a Bundle of one fatal not-found OperationOutcome.
    taken = failure(
        post(world.client("other_patient"), "Appointment/$hold", parameters(reference)), 409
    )
    assert taken["issue"][0]["code"] == "not-found"

    booked = fhir(
        post(
            client,
            "Appointment/$book",
            parameters(
                {
                    "name": "appointment-reference",
                    "valueReference": {"reference": f"Appointment/{appointment['id']}"},
                }
            ),
        )
    )
    [result] = entries(booked)
    assert result["id"] == appointment["id"] and result["status"] == "booked"
    practitioner = next(
        p for p in result["participant"] if "Practitioner/" in p["actor"]["reference"]
    )
    assert practitioner["status"] == "needs-action"  # the practitioner has yet to confirm
    assert Appointment.objects.get(pk=result["id"]).status == S.REQUESTED


def test_find_filters_by_every_ihe_criterion_never_unfiltered(world):
    world.cal.location.city = "Mysuru"
    world.cal.location.save()
    day = local_start(3).date()
    client = Client()

    def find(*params):
        return fhir(post(client, "Appointment/$find", parameters(*day_params(day), *params)))

    everyone = find()
    assert len(practitioners_in(everyone)) == 2
    by_city = find({"name": "location-string", "valueString": "mysu"})
    assert practitioners_in(by_city) == {f"Practitioner/{world.cal.practitioner.pk}"}
    by_location = find(
        {
            "name": "location-reference",
            "valueReference": {"reference": f"Location/{world.other_cal.location.pk}"},
        }
    )
    assert practitioners_in(by_location) == {f"Practitioner/{world.other_cal.practitioner.pk}"}
    by_own_id = find(
        {
            "name": "practitioner",
            "valueReference": {
                "identifier": {
                    "system": "urn:carebook:practitioner",
                    "value": str(world.other_cal.practitioner.pk),
                }
            },
        }
    )
    assert practitioners_in(by_own_id) == {f"Practitioner/{world.other_cal.practitioner.pk}"}
    unknown = find(
        {
            "name": "practitioner",
            "valueReference": {"identifier": {"system": "urn:oid:1.2.3", "value": "PR23143"}},
        }
    )
    assert unknown["total"] == 0 and outcome_entry(unknown)["issue"][0]["code"] == "not-found"
    other_service = find({"name": "visit-type", "valueString": "urn:carebook:service|999999"})
    assert other_service["total"] == 0
    # The GET form names an identifier with the :identifier modifier.
    get = fhir(
        client.get(
            "/fhir/R4/Appointment/$find",
            {
                "start": str(day),
                "end": str(day),
                "practitioner:identifier": f"urn:carebook:practitioner|{world.cal.practitioner.pk}",
            },
        )
    )
    assert practitioners_in(get) == {f"Practitioner/{world.cal.practitioner.pk}"}


def test_find_reports_or_refuses_what_it_does_not_support(world):
    day = local_start(3).date()
    organization = {"name": "organization", "valueReference": {"reference": "Organization/1"}}
    body = parameters(*day_params(day), organization)
    refused = failure(post(Client(), "Appointment/$find", body, HTTP_PREFER="handling=strict"), 400)
    assert refused["issue"][0]["code"] == "not-supported"
    assert refused["issue"][0]["severity"] == "fatal"
    lenient = fhir(post(Client(), "Appointment/$find", body))
    assert lenient["total"] == 32 and "organization" in json.dumps(outcome_entry(lenient))
    # No end: the week searched is said, not silently cut.
    week = fhir(post(Client(), "Appointment/$find", parameters(day_params(day)[0])))
    assert "7 days" in json.dumps(outcome_entry(week))
    group = parameters(
        *day_params(day),
        {
            "name": "patient-reference",
            "valueReference": {"reference": f"Patient/{world.patient.pk}"},
        },
        {
            "name": "patient-reference",
            "valueReference": {"reference": f"Patient/{world.other_patient.pk}"},
        },
    )
    assert failure(post(world.client("staff"), "Appointment/$find", group), 400)


def test_book_takes_an_appointment_resource_new_or_to_cancel(world):
    client = world.client("patient")
    day = local_start(3).date()
    proposal = entries(
        fhir(
            client.get(
                "/fhir/R4/Appointment/$find",
                {
                    "practitioner": f"Practitioner/{world.cal.practitioner.pk}",
                    "start": str(day),
                    "end": str(day),
                    "_count": 1,
                },
            )
        )
    )[0]
    new = fhir(
        post(
            client,
            "Appointment/$book",
            parameters(
                {"name": "appointment-resource", "resource": {**proposal, "status": "pending"}},
                {"name": "comment", "valueString": "First visit"},
            ),
        )
    )
    [booked] = entries(new)
    assert booked["status"] == "booked"
    assert Appointment.objects.get(pk=booked["id"]).reason == "First visit"

    cancel = fhir(
        post(
            client,
            "Appointment/$book",
            parameters(
                {"name": "appointment-resource", "resource": {**booked, "status": "cancelled"}},
                {"name": "comment", "valueString": "Travelling"},
            ),
        )
    )
    [cancelled] = entries(cancel)
    assert (
        cancelled["status"] == "cancelled"
        and cancelled["cancelationReason"]["text"] == "Travelling"
    )
    assert Appointment.objects.get(pk=booked["id"]).status == S.CANCELLED


def test_book_modifies_a_booked_appointment_by_a_new_start(world):
    appointment = book(world.cal, world.patient, local_start(3, 9))
    client = world.client("patient")
    resource = fhir(client.get(f"/fhir/R4/Appointment/{appointment.pk}"))
    later = local_start(3, 14)
    resource["start"] = later.isoformat()
    resource["end"] = (later + (appointment.end - appointment.start)).isoformat()
    moved = fhir(
        post(
            client,
            "Appointment/$book",
            parameters({"name": "appointment-resource", "resource": resource}),
        )
    )
    [result] = entries(moved)
    assert result["status"] == "booked" and result["start"] == later.isoformat()
    assert Appointment.objects.get(pk=appointment.pk).status == S.CANCELLED


def test_operation_errors_are_fatal_outcomes_in_a_bundle(world):
    for path in ("Appointment/$hold", "Appointment/$book"):
        missing = failure(post(world.client("patient"), path, parameters()), 400)
        assert missing["issue"][0]["code"] == "required"
        failure(post(Client(), path, parameters()), 401)
        unknown = {
            "name": "appointment-reference",
            "valueReference": {"reference": "Appointment/proposed-999999-1-1-20300101000000"},
        }
        failure(post(world.client("patient"), path, parameters(unknown)), 422)
