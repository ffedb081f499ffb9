"""Whatever a client sends to the FHIR endpoints, the answer is FHIR and never a server error."""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebook.fhir.tests.conftest import check_resource

pytestmark = pytest.mark.django_db

SEARCHES = {
    "Practitioner": ["name", "specialty", "_id", "_count", "_page"],
    "PractitionerRole": ["practitioner", "specialty", "location"],
    "Location": ["name", "address-city", "_id"],
    "Schedule": ["actor", "_id"],
    "Slot": ["schedule", "start", "status", "service-type", "_count"],
    "Appointment": ["patient", "practitioner", "location", "date", "status", "_id"],
    "Appointment/$find": ["start", "end", "practitioner", "specialty", "location", "service-type"],
}
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["ge2026-03-01", "lt2026-13-01", "eq2026", "2026-03-01T10:00", "Practitioner/1",
         "Schedule/1-1", "Location/x", "urn:carebook:service|1", "free,busy", "-1", "0", "9" * 30]
    ),
)  # fmt: skip
SETTINGS = settings(
    max_examples=int(os.environ.get("CAREBOOK_FUZZ_EXAMPLES", "25")),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.parametrize("path", list(SEARCHES))
def test_searches_never_fail_on_odd_parameters(world, path):
    client = world.client("staff")

    @given(params=st.dictionaries(st.sampled_from(SEARCHES[path]), VALUES, max_size=4))
    @SETTINGS
    def search(params):
        response = client.get(f"/fhir/R4/{path}", params)
        assert response.status_code in (200, 400), (params, response.content[:300])
        check_resource(json.loads(response.content))

    search()


def json_values():
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
        ),
        max_leaves=10,
    )


@pytest.mark.parametrize("path", ["Appointment", "Appointment/$hold", "Appointment/$book"])
def test_writes_never_fail_on_odd_bodies(world, path):
    client = world.client("patient")
    keys = ["resourceType", "status", "slot", "start", "end", "participant", "parameter", "id"]

    @given(
        body=st.fixed_dictionaries(
            {"resourceType": st.sampled_from(["Appointment", "Parameters", "Patient", 3])},
            optional={k: json_values() for k in keys[1:]},
        )
    )
    @SETTINGS
    def write(body):
        response = client.post(
            f"/fhir/R4/{path}", json.dumps(body), content_type="application/fhir+json"
        )
        assert response.status_code < 500, (body, response.content[:300])
        check_resource(json.loads(response.content))

    write()
