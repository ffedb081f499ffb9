"""The FHIR door bounds what one request may cost: values, schedules, days and bodies."""

import json
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory

from carebook.api.tests.conftest import local_start
from carebook.booking.tests.factories import bookable_calendar
from carebook.fhir.tests.conftest import entries, fhir
from carebook.fhir.views.operations import appointment_find
from carebook.fhir.views.slot import slot_search

pytestmark = pytest.mark.django_db
FHIR = "application/fhir+json"


def schedule(cal) -> str:
    return f"Schedule/{cal.practitioner.pk}-{cal.location.pk}"


def one_day(cal) -> dict:
    day = local_start(3).date()
    return {"schedule": schedule(cal), "start": [f"ge{day}", f"lt{day + timedelta(days=1)}"]}


def code(cal) -> str:
    return f"urn:carebook:service|{cal.service.pk}"


def test_a_repeated_service_type_is_computed_once(world, django_assert_max_num_queries):
    once = fhir(
        Client().get("/fhir/R4/Slot", {**one_day(world.cal), "service-type": code(world.cal)})
    )
    params = {**one_day(world.cal), "service-type": [code(world.cal)] * 300}
    with django_assert_max_num_queries(12):
        repeated = fhir(Client().get("/fhir/R4/Slot", params))
    assert repeated["total"] == once["total"] == 16
    commas = {**one_day(world.cal), "service-type": ",".join([str(world.cal.service.pk)] * 300)}
    assert fhir(Client().get("/fhir/R4/Slot", commas))["total"] == 16


@pytest.mark.parametrize("as_list", [True, False])
def test_more_than_ten_different_values_are_too_costly(world, as_list):
    codes = [str(i) for i in range(1, 12)]
    params = {**one_day(world.cal), "service-type": codes if as_list else ",".join(codes)}
    body = fhir(Client().get("/fhir/R4/Slot", params), 400)
    assert body["issue"][0]["code"] == "too-costly"
    assert body["issue"][0]["expression"] == ["service-type"]


def test_slot_search_spans_at_most_31_days(world):
    day = local_start(1).date()
    ok = {"schedule": schedule(world.cal), "start": [f"ge{day}", f"lt{day + timedelta(days=31)}"]}
    assert fhir(Client().get("/fhir/R4/Slot", {**ok, "_count": 0}))["total"] > 0
    too_long = {**ok, "start": [f"ge{day}", f"lt{day + timedelta(days=32)}"]}
    body = fhir(Client().get("/fhir/R4/Slot", too_long), 400)
    assert body["issue"][0]["code"] == "too-costly"
    assert "31 days" in body["issue"][0]["diagnostics"]


def test_find_spans_at_most_31_days(world):
    day = local_start(1).date()
    params = {"practitioner": f"Practitioner/{world.cal.practitioner.pk}", "start": str(day)}
    fhir(Client().get("/fhir/R4/Appointment/$find", {**params, "end": str(day + timedelta(30))}))
    body = fhir(
        Client().get("/fhir/R4/Appointment/$find", {**params, "end": str(day + timedelta(31))}),
        400,
    )
    assert body["issue"][0]["code"] == "too-costly"


def test_find_over_too_many_schedules_asks_to_narrow(world, settings):
    settings.CAREBOOK_MAX_SCHEDULES = 2
    day = str(local_start(3).date())
    assert fhir(Client().get("/fhir/R4/Appointment/$find", {"start": day, "end": day}))["total"]
    bookable_calendar()
    body = fhir(Client().get("/fhir/R4/Appointment/$find", {"start": day, "end": day}), 400)
    assert body["issue"][0]["code"] == "too-costly"
    assert "narrow it" in body["issue"][0]["diagnostics"]
    narrowed = {"practitioner": f"Practitioner/{world.cal.practitioner.pk}", "start": day}
    assert entries(fhir(Client().get("/fhir/R4/Appointment/$find", {**narrowed, "end": day})))


def test_slot_search_over_too_many_schedules_is_too_costly(world, settings):
    settings.CAREBOOK_MAX_SCHEDULES = 1
    params = {**one_day(world.cal), "schedule": [schedule(world.cal), schedule(world.other_cal)]}
    body = fhir(Client().get("/fhir/R4/Slot", params), 400)
    assert body["issue"][0]["code"] == "too-costly"


def parameters(entries: list[tuple[str, str]]) -> str:
    return json.dumps(
        {
            "resourceType": "Parameters",
            "parameter": [{"name": n, "valueString": v} for n, v in entries],
        }
    )


def test_find_by_post_drops_repeats_and_refuses_too_many(world):
    day = str(local_start(3).date())
    repeated = [("practitioner", f"Practitioner/{world.cal.practitioner.pk}")] * 40
    body = parameters([*repeated, ("start", day), ("end", day)])
    found = fhir(Client().post("/fhir/R4/Appointment/$find", body, content_type=FHIR))
    assert found["total"] == 16
    many = [("practitioner", f"Practitioner/{i}") for i in range(1, 12)]
    body = parameters([*many, ("start", day)])
    refused = fhir(Client().post("/fhir/R4/Appointment/$find", body, content_type=FHIR), 400)
    assert refused["issue"][0]["code"] == "too-costly"


def test_a_body_of_too_many_values_is_refused_before_it_is_parsed(world):
    body = parameters([("specialty", str(i % 5)) for i in range(5000)])
    assert len(body) < 1024 * 1024
    refused = fhir(Client().post("/fhir/R4/Appointment/$find", body, content_type=FHIR), 400)
    assert refused["issue"][0]["code"] == "too-costly"


def test_a_big_body_is_413_not_500():
    big = json.dumps({"resourceType": "Parameters", "x": "y" * 2_500_000})
    response = Client().post("/fhir/R4/Appointment/$find", big, content_type=FHIR)
    assert fhir(response, 413)["issue"][0]["code"] == "too-long"


def test_the_door_answers_413_when_django_refuses_the_body(settings):
    """Past the middleware (a body it could not judge), Django's own limit is answered 413."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    request = RequestFactory().post(
        "/fhir/R4/Appointment/$find", parameters([("x", "y" * 2000)]), content_type=FHIR
    )
    body = fhir(appointment_find(request), 413)
    assert body["issue"][0]["code"] == "too-long"


def test_a_repeated_query_reaching_the_view_is_still_computed_once(world):
    """Without the middleware, the door itself drops repeats (comma lists and query lists)."""
    params = {**one_day(world.cal), "service-type": [str(world.cal.service.pk)] * 300}
    response = slot_search(RequestFactory().get("/fhir/R4/Slot", params))
    assert fhir(response)["total"] == 16
