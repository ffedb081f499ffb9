"""ETag on an appointment and If-Match on its changes: a change made against an older read is
refused with 412 and changes nothing."""

import http.client
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from carebook.accounts.tests.factories import PatientFactory
from carebook.accounts.tokens import token_create
from carebook.api.tests.conftest import bearer, book, local_start
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.services import appointment_confirm
from carebook.booking.tests.factories import bookable_calendar

S = Appointment.Status
STALE = {"detail": "This appointment has changed since you read it. Read it again and retry."}


def post(client, url, data=None, **headers):
    return client.post(url, data, content_type="application/json", headers=headers)


@pytest.mark.django_db
def test_a_read_carries_the_version_as_etag_and_a_change_moves_it(world):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("practitioner")
    url = f"/api/v1/appointments/{appointment.pk}"
    first = client.get(url)
    assert first["ETag"] == 'W/"1"' and first.json()["version"] == 1
    confirmed = post(client, f"{url}/confirm", **{"If-Match": 'W/"1"'})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["version"] == 2
    assert client.get(url)["ETag"] == 'W/"2"'


ACTIONS = {
    "confirm": ("practitioner", None, 200),
    "reject": ("practitioner", {"reason": "Please see a cardiologist"}, 200),
    "cancel": ("patient", {"reason": "Travelling"}, 200),
    "reschedule": ("patient", "move", 201),
}


@pytest.mark.django_db
@pytest.mark.parametrize("action", ACTIONS)
def test_every_change_refuses_a_stale_if_match_with_412_and_changes_nothing(world, action):
    role, body, success = ACTIONS[action]
    appointment = book(world.cal, world.patient, local_start(3, 9))
    if body == "move":
        body = {"start": local_start(3, 11).isoformat()}
    client = world.client(role)
    url = f"/api/v1/appointments/{appointment.pk}/{action}"
    history = AppointmentHistory.objects.count()

    stale = post(client, url, body, **{"If-Match": 'W/"7"'})
    assert stale.status_code == 412, stale.content
    assert stale.json() == {**STALE, "code": "precondition_failed"}
    appointment.refresh_from_db()
    assert (appointment.status, appointment.version) == (S.REQUESTED, 1)
    assert AppointmentHistory.objects.count() == history
    assert Appointment.objects.count() == 1

    assert post(client, url, body, **{"If-Match": 'W/"1"'}).status_code == success


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["complete", "no-show"])
def test_recording_a_visit_refuses_a_stale_if_match(world, past_confirmed, action):
    url = f"/api/v1/appointments/{past_confirmed.pk}/{action}"
    client = world.client("practitioner")
    assert post(client, url, **{"If-Match": 'W/"1"'}).status_code == 412
    assert post(client, url, **{"If-Match": f'W/"{past_confirmed.version}"'}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("if_match", [None, "*", '"1"', ' W/"1" '])
def test_no_if_match_any_or_a_strong_tag_of_the_version_are_allowed(world, if_match):
    appointment = book(world.cal, world.patient, local_start(3))
    headers = {} if if_match is None else {"If-Match": if_match}
    response = post(
        world.client("practitioner"), f"/api/v1/appointments/{appointment.pk}/confirm", **headers
    )
    assert response.status_code == 200, response.content


@pytest.mark.django_db
@pytest.mark.parametrize("if_match", ["1", 'W/"1", W/"2"', 'W/"x"', ""])
def test_a_malformed_if_match_is_400(world, if_match):
    appointment = book(world.cal, world.patient, local_start(3))
    response = post(
        world.client("practitioner"),
        f"/api/v1/appointments/{appointment.pk}/confirm",
        **{"If-Match": if_match},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"
    appointment.refresh_from_db()
    assert appointment.status == S.REQUESTED


@pytest.mark.django_db
def test_a_stale_if_match_with_an_idempotency_key_is_412_and_replayed_as_such(world):
    appointment = book(world.cal, world.patient, local_start(3))
    appointment_confirm(appointment=appointment, by=world.practitioner)  # now version 2
    client = world.client("patient")
    url = f"/api/v1/appointments/{appointment.pk}/cancel"
    headers = {"If-Match": 'W/"1"', "Idempotency-Key": "cancel-once"}
    first, again = post(client, url, **headers), post(client, url, **headers)
    assert first.status_code == again.status_code == 412
    assert again["Idempotent-Replayed"] == "true"
    appointment.refresh_from_db()
    assert appointment.status == S.CONFIRMED


@pytest.mark.postgres
def test_two_changes_from_one_read_at_once_one_wins_the_other_is_412(live_server, transactional_db):
    # The practitioner confirms while the patient cancels, both having read version 1: without
    # If-Match both would succeed (a confirmed visit may be cancelled); with it one is refused.
    cal = bookable_calendar()
    patient = PatientFactory()
    appointment = book(cal, patient, local_start(3))
    server = urlsplit(live_server.url)
    calls = [
        (token_create(user=cal.practitioner.user)[1], "confirm"),
        (token_create(user=patient)[1], "cancel"),
    ]
    barrier = threading.Barrier(len(calls))

    def attempt(call) -> int:
        token, action = call
        conn = http.client.HTTPConnection(server.hostname, server.port, timeout=60)
        conn.connect()
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "If-Match": 'W/"1"',
        }
        try:
            barrier.wait(timeout=30)
            conn.request("POST", f"/api/v1/appointments/{appointment.pk}/{action}", "{}", headers)
            response = conn.getresponse()
            json.loads(response.read())
            return response.status
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        statuses = Counter(pool.map(attempt, calls))
    assert statuses == {200: 1, 412: 1}, statuses
    appointment.refresh_from_db()
    assert appointment.version == 2
    assert AppointmentHistory.objects.filter(appointment=appointment).count() == 2


@pytest.mark.django_db
def test_the_list_carries_each_version_for_if_match(world):
    appointment = book(world.cal, world.patient, local_start(3))
    appointment_confirm(appointment=appointment, by=world.practitioner)
    body = bearer(world.patient).get("/api/v1/appointments").json()
    assert [item["version"] for item in body["results"]] == [2]
