"""One POST of a signed webhook: to the checked address, no redirects, short timeouts, and at
most a kilobyte of the answer read. Never raises: the outcome says what happened."""

import http.client
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from carebook.core.tasks import setting
from carebook.webhooks.targets import TargetRefused, address_for

SNIPPET_BYTES = 1000
USER_AGENT = "carebook-webhooks/1"


def timeout_seconds() -> float:
    return float(setting("CAREBOOK_WEBHOOKS_TIMEOUT_SECONDS", 10))


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str = ""
    response: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address the guard checked; the Host header keeps the name."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As _PinnedHTTP, over TLS: the certificate is checked against the name, not the address."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(*, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST `body` to `url`; the answer's status and first bytes, or why there was none."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        scheme, host, port, address = address_for(url)
    except TargetRefused as exc:
        return Outcome(None, took(), error=f"Refused: {exc.message}")
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    connection = kind(host, port, address=address, timeout=timeout_seconds())
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        answer = connection.getresponse()
        snippet = answer.read(SNIPPET_BYTES).decode("utf-8", errors="replace")
        return Outcome(answer.status, took(), response=snippet)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(None, took(), error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()
