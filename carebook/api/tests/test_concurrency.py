"""Fifty people, ten slots, one instant, through HTTP: exactly ten bookings, no server errors."""

import http.client
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection

from carebook.accounts.tests.factories import PatientFactory
from carebook.accounts.tokens import token_create
from carebook.api.tests.conftest import local_start
from carebook.booking.models import Appointment
from carebook.booking.tests.factories import bookable_calendar

CLIENTS = 50
SLOTS = 10


@pytest.mark.postgres
def test_fifty_concurrent_posts_for_ten_slots_make_ten_bookings(live_server, transactional_db):
    cal = bookable_calendar(start=time(9), end=time(14), duration=30, step=30)
    tokens = [token_create(user=p)[1] for p in PatientFactory.create_batch(CLIENTS)]
    first = local_start(3, 9)
    server = urlsplit(live_server.url)
    barrier = threading.Barrier(CLIENTS)
    # Connect first, one by one: the test server's listen backlog is small, and it is the
    # requests, not the TCP handshakes, that must arrive together.
    conns = [http.client.HTTPConnection(server.hostname, server.port, timeout=120) for _ in tokens]
    for conn in conns:
        conn.connect()

    def attempt(i: int) -> tuple[int, dict]:
        body = json.dumps(
            {
                "practitioner_id": cal.practitioner.pk,
                "start": (first + timedelta(minutes=30 * (i % SLOTS))).isoformat(),
                "service_id": cal.service.pk,
                "location_id": cal.location.pk,
            }
        )
        headers = {"Authorization": f"Bearer {tokens[i]}", "Content-Type": "application/json"}
        conn = conns[i]
        try:
            barrier.wait(timeout=60)
            conn.request("POST", "/api/v1/appointments", body=body, headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            conn.close()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(attempt, range(CLIENTS)))

    statuses = Counter(status for status, _ in results)
    assert statuses == {201: SLOTS, 409: CLIENTS - SLOTS}, statuses
    assert {body["code"] for status, body in results if status == 409} == {"slot_unavailable"}
    booked = Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES)
    assert booked.count() == SLOTS
    assert len({a.start for a in booked}) == SLOTS
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM booking_appointment a JOIN booking_appointment b ON a.id < b.id
            WHERE a.status IN ('held', 'requested', 'confirmed')
              AND b.status IN ('held', 'requested', 'confirmed')
              AND a.practitioner_id = b.practitioner_id
              AND a.hold_start < b.hold_end AND b.hold_start < a.hold_end
            """
        )
        assert cursor.fetchone()[0] == 0
