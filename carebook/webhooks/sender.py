"""One POST of a signed webhook: to the checked address, no redirects, one deadline for the
whole exchange, and at most a kilobyte of the answer read. Never raises for what an endpoint
or its URL can do: the outcome says what happened."""

import http.client
import io
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
    """The most one POST may take, connecting, sending and reading the answer together."""
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


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the endpoint took longer than the webhook timeout")
    return left


class _Deadline:
    """A connected socket whose every send and receive waits only until one deadline, so an
    endpoint answering a byte at a time cannot hold the worker past it (a socket's own
    timeout starts again at every read)."""

    def __init__(self, sock: socket.socket, deadline: float):
        self._sock, self._deadline = sock, deadline
        self._files, self._closed = 0, False

    def _arm(self) -> None:
        self._sock.settimeout(_left(self._deadline))

    def sendall(self, data, *args):
        self._arm()
        return self._sock.sendall(data, *args)

    def recv_into(self, buffer, *args):
        self._arm()
        return self._sock.recv_into(buffer, *args)

    def recv(self, size, *args):
        self._arm()
        return self._sock.recv(size, *args)

    def makefile(self, mode="rb", *_args, **_kwargs):
        self._files += 1
        return io.BufferedReader(socket.SocketIO(self, "rb"))

    # As a socket does: closing it while the answer is still being read waits for the reader.
    def _decref_socketios(self):
        self._files -= 1
        if self._closed and not self._files:
            self._sock.close()

    def close(self):
        self._closed = True
        if not self._files:
            self._sock.close()

    def __getattr__(self, name):
        return getattr(self._sock, name)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address the guard checked; the Host header keeps the name."""

    def __init__(self, host, port, *, address, deadline):
        super().__init__(host, port)
        self._address, self._deadline = address, deadline

    def connect(self):
        sock = socket.create_connection((self._address, self.port), _left(self._deadline))
        self.sock = _Deadline(sock, self._deadline)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As _PinnedHTTP, over TLS: the certificate is checked against the name, not the address."""

    def __init__(self, host, port, *, address, deadline):
        super().__init__(host, port, context=ssl.create_default_context())
        self._address, self._deadline = address, deadline

    def connect(self):
        sock = socket.create_connection((self._address, self.port), _left(self._deadline))
        sock.settimeout(_left(self._deadline))  # ssl bounds the whole handshake by it
        tls = self._context.wrap_socket(sock, server_hostname=self.host)
        self.sock = _Deadline(tls, self._deadline)


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
    # Resolving the name is not bounded here (getaddrinfo takes no timeout); the claim on
    # the delivery leaves room for it.
    deadline = time.monotonic() + timeout_seconds()
    connection = kind(host, port, address=address, deadline=deadline)
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
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return Outcome(None, took(), error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()
