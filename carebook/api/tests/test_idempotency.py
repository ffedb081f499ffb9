import hashlib
from datetime import timedelta

import pytest
from django.db import connection

from carebook.api.tests.conftest import book, local_start
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_cancel
from carebook.core import faults
from carebook.core.models import IdempotencyRecord
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db


def payload(cal, start):
    return {
        "practitioner_id": cal.practitioner.pk,
        "start": start.isoformat(),
        "service_id": cal.service.pk,
        "location_id": cal.location.pk,
    }


def post(client, url, data, key):
    return client.post(url, data, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_replay_returns_the_first_response_and_books_once(world):
    client = world.client("patient")
    data = payload(world.cal, local_start(3))
    first = post(client, "/api/v1/appointments", data, "key-1")
    again = post(client, "/api/v1/appointments", data, "key-1")
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Appointment.objects.count() == 1
    assert IdempotencyRecord.objects.get().response_status == 201


def test_same_json_written_differently_is_the_same_request(world):
    client = world.client("patient")
    data = payload(world.cal, local_start(3))
    post(client, "/api/v1/appointments", data, "key-1")
    reordered = dict(reversed(list(data.items())))
    assert post(client, "/api/v1/appointments", reordered, "key-1").status_code == 201
    assert Appointment.objects.count() == 1


def test_same_key_with_a_different_body_is_422(world):
    client = world.client("patient")
    post(client, "/api/v1/appointments", payload(world.cal, local_start(3, 9)), "key-1")
    response = post(client, "/api/v1/appointments", payload(world.cal, local_start(3, 10)), "key-1")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Appointment.objects.count() == 1


def test_same_key_on_another_endpoint_is_422(world):
    client = world.client("patient")
    created = post(client, "/api/v1/appointments", payload(world.cal, local_start(3)), "key-1")
    url = f"/api/v1/appointments/{created.json()['id']}/cancel"
    assert post(client, url, {}, "key-1").status_code == 422


def _key_lock_id(user, key):
    digest = hashlib.sha256(f"idempotency:{user.pk}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite's writers queue instead")
def test_same_key_while_the_first_still_runs_is_409_and_free_once_it_dies(world):
    data = payload(world.cal, local_start(3))
    client = world.client("patient")
    # Another process is working on this key: it holds the key's lock.
    other = connection.get_new_connection(connection.get_connection_params())
    other.autocommit = True
    other.execute("SELECT pg_advisory_lock(%s)", [_key_lock_id(world.patient, "key-1")])
    response = post(client, "/api/v1/appointments", data, "key-1")
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_progress"
    assert not Appointment.objects.exists()
    other.close()  # it died: its lock went with its connection, and nothing of it committed
    assert post(client, "/api/v1/appointments", data, "key-1").status_code == 201


def test_a_crash_after_commit_is_answered_by_replay(world, monkeypatch):
    data = payload(world.cal, local_start(3))
    client = world.client("patient")

    def killed(name):
        raise SystemExit(f"killed at {name}")

    with monkeypatch.context() as patch:
        patch.setattr(faults, "crash_point", killed)
        with pytest.raises(SystemExit):
            post(client, "/api/v1/appointments", data, "key-1")
    (appointment,) = Appointment.objects.all()
    retried = post(client, "/api/v1/appointments", data, "key-1")
    assert retried.status_code == 201 and retried["Idempotent-Replayed"] == "true"
    assert retried.json()["id"] == appointment.pk


def test_the_change_and_its_answer_commit_together(world, monkeypatch):
    data = payload(world.cal, local_start(3))
    client = world.client("patient")
    with monkeypatch.context() as patch:
        patch.setattr(
            "carebook.core.idempotency.IdempotencyRecord.objects.create",
            lambda **kw: (_ for _ in ()).throw(RuntimeError("disk full")),
        )
        assert post(client, "/api/v1/appointments", data, "key-1").status_code == 500
    assert not Appointment.objects.exists() and not IdempotencyRecord.objects.exists()
    assert post(client, "/api/v1/appointments", data, "key-1").status_code == 201


def test_keys_belong_to_their_user(world):
    data = payload(world.cal, local_start(3))
    assert post(world.client("patient"), "/api/v1/appointments", data, "shared").status_code == 201
    other = post(world.client("other_patient"), "/api/v1/appointments", data, "shared")
    assert other.status_code == 409  # a real attempt at the taken slot, not a replay
    assert other.json()["code"] == "slot_unavailable"


def test_an_error_answer_is_replayed_too(world):
    start = local_start(3)
    blocking = book(world.cal, world.other_patient, start)
    client = world.client("patient")
    first = post(client, "/api/v1/appointments", payload(world.cal, start), "key-1")
    appointment_cancel(appointment=blocking, by=world.staff)  # free now; the key has its answer
    again = post(client, "/api/v1/appointments", payload(world.cal, start), "key-1")
    assert first.status_code == again.status_code == 409
    assert first.content == again.content
    assert not Appointment.objects.filter(patient=world.patient).exists()


def test_a_server_error_frees_the_key_for_a_retry(world, monkeypatch):
    data = payload(world.cal, local_start(3))
    client = world.client("patient")
    with monkeypatch.context() as patch:
        patch.setattr(
            "carebook.booking.api.appointment_book",
            lambda **kw: (_ for _ in ()).throw(RuntimeError("database fell over")),
        )
        assert post(client, "/api/v1/appointments", data, "key-1").status_code == 500
    assert not IdempotencyRecord.objects.exists()
    assert post(client, "/api/v1/appointments", data, "key-1").status_code == 201


def test_action_replay_does_not_act_twice(world):
    appointment = book(world.cal, world.patient, local_start(3))
    client = world.client("practitioner")
    url = f"/api/v1/appointments/{appointment.pk}/confirm"
    first = post(client, url, None, "confirm-1")
    again = post(client, url, None, "confirm-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert appointment.history.filter(action="confirm").count() == 1


def test_overlong_key_is_422(world):
    response = post(world.client("patient"), "/api/v1/appointments", {}, "k" * 256)
    assert response.status_code == 422


def test_validation_failures_claim_no_key(world):
    client = world.client("patient")
    assert post(client, "/api/v1/appointments", {}, "key-1").status_code == 422
    assert not IdempotencyRecord.objects.exists()
    data = payload(world.cal, local_start(3))
    assert post(client, "/api/v1/appointments", data, "key-1").status_code == 201


def test_keys_past_their_lifetime_are_cleared_as_new_ones_come(world):
    IdempotencyRecord.objects.create(
        user=world.other_patient, key="old", request_hash="x", response_status=201
    )
    IdempotencyRecord.objects.update(created_at=utcnow() - timedelta(hours=25))
    post(world.client("patient"), "/api/v1/appointments", payload(world.cal, local_start(3)), "new")
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
