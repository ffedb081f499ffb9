"""Every endpoint × every kind of caller: the right status, and nobody sees another's data."""

import pytest

from carebook.api.tests.conftest import ROLES, book, local_start

pytestmark = pytest.mark.django_db

SECRET_REASON = "secret-reason-7f3a"
ALL = dict.fromkeys(ROLES, 200)
SIGNED_IN = {**ALL, "anonymous": 401}
OWN = {  # visible to the patient, their practitioner and staff
    "anonymous": 401,
    "patient": 200,
    "other_patient": 404,
    "practitioner": 200,
    "other_practitioner": 404,
    "staff": 200,
}
CARE = {**OWN, "patient": 403}  # actions only the practitioner or staff take


def _json(client, method, url, data=None):
    return getattr(client, method)(url, data, content_type="application/json")


def _practitioner(world):
    return world.cal.practitioner.pk


ENDPOINTS = {
    "specialties": (lambda w, c, a: c.get("/api/v1/specialties"), ALL),
    "locations": (lambda w, c, a: c.get("/api/v1/locations"), ALL),
    "practitioners": (lambda w, c, a: c.get("/api/v1/practitioners"), ALL),
    "practitioner": (lambda w, c, a: c.get(f"/api/v1/practitioners/{_practitioner(w)}"), ALL),
    "slots": (
        lambda w, c, a: c.get(
            f"/api/v1/practitioners/{_practitioner(w)}/slots",
            {"start": a.start.date().isoformat(), "end": a.start.date().isoformat()},
        ),
        ALL,
    ),
    "me": (lambda w, c, a: c.get("/api/v1/auth/me"), SIGNED_IN),
    "revoke token": (
        lambda w, c, a: c.delete("/api/v1/auth/token"),
        {**SIGNED_IN, **{r: 204 for r in ROLES if r != "anonymous"}},
    ),
    "list": (lambda w, c, a: c.get("/api/v1/appointments"), SIGNED_IN),
    "detail": (lambda w, c, a: c.get(f"/api/v1/appointments/{a.pk}"), OWN),
    "book for the patient": (
        lambda w, c, a: _json(
            c,
            "post",
            "/api/v1/appointments",
            {
                "practitioner_id": _practitioner(w),
                "start": local_start(4, 11).isoformat(),
                "service_id": w.cal.service.pk,
                "location_id": w.cal.location.pk,
                "patient_id": w.patient.pk,
            },
        ),
        {
            "anonymous": 401,
            "patient": 201,
            "other_patient": 403,
            "practitioner": 403,
            "other_practitioner": 403,
            "staff": 201,
        },
    ),
    "cancel": (lambda w, c, a: _json(c, "post", f"/api/v1/appointments/{a.pk}/cancel", {}), OWN),
    "confirm": (lambda w, c, a: _json(c, "post", f"/api/v1/appointments/{a.pk}/confirm"), CARE),
    "reject": (
        lambda w, c, a: _json(
            c, "post", f"/api/v1/appointments/{a.pk}/reject", {"reason": "Fully booked"}
        ),
        CARE,
    ),
    "complete": (
        lambda w, c, a: _json(c, "post", f"/api/v1/appointments/{w.past.pk}/complete"),
        CARE,
    ),
    "no-show": (
        lambda w, c, a: _json(c, "post", f"/api/v1/appointments/{w.past.pk}/no-show"),
        CARE,
    ),
    "reschedule": (
        lambda w, c, a: _json(
            c,
            "post",
            f"/api/v1/appointments/{a.pk}/reschedule",
            {"start": local_start(5, 14).isoformat()},
        ),
        {**OWN, "patient": 201, "practitioner": 201, "staff": 201},
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_endpoint_answers_each_role_rightly_and_leaks_nothing(
    world, past_confirmed, endpoint, role
):
    appointment = book(world.cal, world.patient, local_start(3), reason=SECRET_REASON)
    world.past = past_confirmed
    call, expected = ENDPOINTS[endpoint]
    response = call(world, world.client(role), appointment)
    assert response.status_code == expected[role], (endpoint, role, response.content[:300])
    assert response["Content-Type"].startswith("application/json") or response.status_code == 204
    if role not in ("patient", "practitioner", "staff"):
        body = response.content.decode()
        for secret in (SECRET_REASON, world.patient.full_name, world.patient.email):
            assert secret not in body, (endpoint, role, secret)
