import ipaddress
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from carebook.accounts.tests.factories import StaffFactory
from carebook.core.tests.tasks import run_worker
from carebook.webhooks import targets
from carebook.webhooks.services import endpoint_create


class Receiver:
    """A webhook receiver on 127.0.0.1: verifies each POST with the given secret (the
    standardwebhooks library, as a receiver would) and answers the next queued status."""

    def __init__(self):
        self.secret = ""
        self.received: list[dict] = []
        self.answers: list[int] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/carebook?src=test"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    payload, verified = json.loads(body), False
                receiver.received.append(
                    {
                        "path": self.path,
                        "headers": headers,
                        "payload": payload,
                        "verified": verified,
                    }
                )
                status = receiver.answers.pop(0) if receiver.answers else 204
                self.send_response(status)
                answer = b"" if status == 204 else f"answer {status}".encode()
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        return Handler

    def types(self) -> list[str]:
        return [r["payload"]["type"] for r in self.received]


@pytest.fixture
def receiver(settings):
    settings.CAREBOOK_WEBHOOKS_ALLOW_PRIVATE = True
    settings.CAREBOOK_WEBHOOKS_TIMEOUT_SECONDS = 5
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def dns(monkeypatch):
    """Host names resolve as the test says (`dns[host] = [addresses]`), else to a public
    address; IP literals to themselves. No test asks a real resolver."""
    answers: dict[str, list[str]] = {}
    real = targets.resolve

    def resolve(host, port):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return answers.get(host, ["93.184.216.34"])
        return real(host, port)

    monkeypatch.setattr(targets, "resolve", resolve)
    return answers


def subscribe(receiver: Receiver, events: list[str], by) -> object:
    registered = endpoint_create(url=receiver.url, events=events, by=by)
    receiver.secret = registered.secret
    return registered.endpoint


def webhook_tasks():
    return DBTaskResult.objects.filter(task_path__startswith="carebook.webhooks.")


def run_webhook_tasks(*, allow_failures: bool = False) -> list:
    failed = [
        r for r in run_worker(allow_failures=True) if r.task_path.startswith("carebook.webhooks.")
    ]
    if not allow_failures:
        assert not failed, [f.traceback for f in failed]
    return failed
