"""The REST API over real HTTP: gunicorn (2 workers) on PostgreSQL, clients on loopback.

Measures free slots of one practitioner over 28 days (p50/p95 at 1 and 8 clients) and booking
POSTs per second with 16 clients, to compare with the raw insert ceiling of the same run.
"""

import base64
import http.client
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.measure import summarise

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving carebook on a loopback port; stopped by `close()`."""

    def __init__(self, database_url: str, workers: int = 2, task_worker: bool = False):
        self.port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-not-for-production",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "CAREBOOK_VAR_DIR": str(ROOT / "var" / "bench"),
            # Plain HTTP on loopback, as behind a proxy that ends TLS.
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
        }
        # Production settings insist on a key for medical documents; the bench stores none.
        env.setdefault("CAREBOOK_DOCUMENT_KEYS", base64.urlsafe_b64encode(os.urandom(32)).decode())
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "carebook.wsgi:application",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        # As in production, a task worker keeps derived state current (the directory's stored
        # next free starts go stale as time passes their notice; its sweep recomputes them).
        self.tasks = (
            subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [sys.executable, "manage.py", "worker"], cwd=ROOT, env=env
            )
            if task_worker
            else None
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _ = self.request("GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError("gunicorn did not answer /healthz within 30 s")

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(self, method, path, body=None, headers=None, conn=None):
        own = conn is None
        conn = conn or self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            if own:
                conn.close()

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master process)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                # pid (comm) state ppid ...: comm may hold spaces, so split after it.
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    pids.append(int(entry.name))
        return sorted(pids)

    def close(self) -> None:
        for proc in (self.proc, self.tasks):
            if proc is None:
                continue
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _run_clients(clients: int, work) -> float:
    """Start `clients` threads running work(i, conn); return wall-clock seconds."""
    barrier = threading.Barrier(clients + 1)

    def run(i):
        conn = server_conn()
        barrier.wait()
        try:
            work(i, conn)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - start


server_conn = None  # set by bench_http


def _booking_request(port: int, task, token: str) -> bytes:
    """The whole HTTP request booking `task`, as the wire carries it."""
    body = json.dumps(
        {
            "practitioner_id": task.practitioner.pk,
            "service_id": task.service.pk,
            "location_id": task.location.pk,
            "start": task.start.isoformat(),
            "mode": "in_person",
        }
    ).encode()
    head = (
        "POST /api/v1/appointments HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def _send(port: int, request: bytes) -> int:
    """Send one request on a new connection and read the answer to its end; its status, or 0
    when the connection failed."""
    chunks = []
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(request)
            while chunk := sock.recv(65536):
                chunks.append(chunk)
    except OSError:
        return 0
    status_line = b"".join(chunks).split(b"\r\n", 1)[0].split(None, 2)
    return int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0


def bench_http(
    *, server: Server, single, tasks, tokens, seconds: float, replay=None, rounds: int = 3
) -> dict:
    """GET slots at 1 and 8 clients, then booking POSTs from 16 clients for `seconds`. With
    `replay` (a callable measuring the booking's replay, tx/s), the POSTs run in `rounds` equal
    segments with the replay measured before, between and after them: each segment is then a
    share of the replay around it, whatever the machine's speed did in between."""
    global server_conn
    server_conn = server.connection
    path = (
        f"/api/v1/practitioners/{single.practitioner.pk}/slots?start={single.start_date}"
        f"&end={single.end_date}&service_id={single.service.pk}&location_id={single.location.pk}"
    )
    status, body = server.request("GET", path)
    count = len(json.loads(body)) if status == 200 else 0
    result: dict = {"slots_status": status, "slots_count": count}

    for clients, per_client in ((1, 100), (8, 40)):
        latencies: list[list[float]] = [[] for _ in range(clients)]
        bad = [0] * clients

        def work(i, conn, latencies=latencies, bad=bad, per_client=per_client):
            for _ in range(per_client):
                t = time.perf_counter()
                status, _ = server.request("GET", path, conn=conn)
                latencies[i].append(time.perf_counter() - t)
                bad[i] += status != 200

        _run_clients(clients, work)
        result[f"slots_{clients}"] = summarise([x for xs in latencies for x in xs])
        result[f"slots_{clients}_bad"] = sum(bad)

    # The POSTs go out as bytes built beforehand, each over its own socket (gunicorn's sync
    # workers close every connection). The 16 client threads share the two cores with the server
    # and PostgreSQL: http.client took 0.45-0.5 ms of CPU a POST, this 0.2.
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for task in tasks:
        todo.put(_booking_request(server.port, task, tokens[task.patient.pk]))
    codes: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = [0.0]

    def book(i, conn):
        while time.perf_counter() < stop_at[0]:
            try:
                request = todo.get_nowait()
            except queue.Empty:
                return
            status = _send(server.port, request)
            with lock:
                codes[status] = codes.get(status, 0) + 1

    rounds = rounds if replay else 1
    replays = [replay()] if replay else []
    segments = []  # (bookings, seconds) of each segment
    for _ in range(rounds):
        booked = codes.get(201, 0)
        stop_at[0] = time.perf_counter() + seconds / rounds
        elapsed = _run_clients(16, book)
        segments.append((codes.get(201, 0) - booked, elapsed))
        if replay:
            replays.append(replay())
    elapsed = sum(s for _, s in segments)
    result["codes"] = codes
    result["book_elapsed"] = elapsed
    result["book_rate"] = codes.get(201, 0) / elapsed if elapsed else 0.0
    result["segments"] = [(n / s if s else 0.0, s) for n, s in segments]
    result["replays"] = replays
    return result
