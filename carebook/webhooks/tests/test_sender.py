import socket
import threading
import time
from datetime import timedelta

import pytest

from carebook.webhooks import sender
from carebook.webhooks.tasks import claim_lease


@pytest.fixture
def trickling(settings):
    """An endpoint on 127.0.0.1 that answers one byte every 0.1 s: every read is quick, the
    whole answer takes about four seconds."""
    settings.CAREBOOK_WEBHOOKS_ALLOW_PRIVATE = True
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Slow: yes\r\n\r\nok":
                if stop.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/in"
    stop.set()
    thread.join(timeout=10)
    listener.close()


def test_the_timeout_bounds_the_whole_request_not_each_read(trickling, settings):
    settings.CAREBOOK_WEBHOOKS_TIMEOUT_SECONDS = 1
    started = time.monotonic()
    outcome = sender.post(url=trickling, body=b"{}", headers={})
    took = time.monotonic() - started
    assert outcome.status_code is None and "TimeoutError" in outcome.error
    assert took < 2, took


def test_a_non_ascii_url_is_an_outcome_not_an_exception(settings):
    settings.CAREBOOK_WEBHOOKS_ALLOW_PRIVATE = True
    outcome = sender.post(url="http://127.0.0.1:9/hooks/é", body=b"{}", headers={})
    assert outcome.status_code is None and outcome.error.startswith("Refused:")


@pytest.mark.parametrize("seconds", [1, 10, 30])
def test_a_claim_outlasts_the_whole_request_with_room_to_spare(settings, seconds):
    settings.CAREBOOK_WEBHOOKS_TIMEOUT_SECONDS = seconds
    # Beyond the POST: resolving the name (not bounded by the deadline) and the database.
    assert claim_lease() >= timedelta(seconds=seconds) + timedelta(minutes=2)
