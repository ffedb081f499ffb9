"""The worst requests an anonymous client can send, to gunicorn (2 workers) on loopback.

Repeated and many-valued parameters, the widest date ranges and schedules accepted, and big,
deep, lying or chunked bodies, at every door (REST, FHIR, web pages, uploads). Each is sent a
few times after a light warm-up; measured: the slowest answer of each, the workers' RSS growth
over the run, and /healthz while two of the heaviest accepted requests keep both workers busy.
Targets: every answer < 200 ms; RSS growth < 20 MB a worker.
"""

import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

MAX_LATENCY_MS = 200.0
MAX_RSS_GROWTH_MB = 20.0
MB = 1024 * 1024


@dataclass
class Probe:
    label: str
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    declared: int | None = None  # a Content-Length other than the body's; -1: chunked
    statuses: set[int] = field(default_factory=set)
    worst_ms: float = 0.0
    worst_cpu_ms: float = 0.0  # CPU time the workers spent on it: what load on the box leaves be


def _fhir_json(data) -> tuple[bytes, dict[str, str]]:
    return json.dumps(data).encode(), {"Content-Type": "application/fhir+json"}


def probes(world: dict) -> list[Probe]:
    """The requests, built from ids of the bench data (see `bench_world`)."""
    day = world["day"]
    first, last31, last32 = day, day + timedelta(days=31), day + timedelta(days=32)
    one = world["schedules"][0]
    service = world["services"][0]
    codes = ",".join(str(s) for s in world["services"][:10])
    ten = "&".join(f"schedule=Schedule/{p}-{loc}" for p, loc in world["schedules"][:10])
    practitioners = "&".join(f"practitioner=Practitioner/{p}" for p, _ in world["schedules"][:10])
    slots = f"/api/v1/practitioners/{world['single_practitioner']}/slots"
    params_body, fhir = _fhir_json(
        {
            "resourceType": "Parameters",
            "parameter": [{"name": "specialty", "valueString": str(i)} for i in range(20_000)],
        }
    )
    deep = b"[" * (MB - 10)
    multipart = "multipart/form-data; boundary=x"
    form = "application/x-www-form-urlencoded"
    return [
        Probe(
            "FHIR Slot: one service-type 300 times (comma list), 31 days",
            "GET",
            f"/fhir/R4/Slot?schedule=Schedule/{one[0]}-{one[1]}&service-type="
            + ",".join([str(service)] * 300)
            + f"&start=ge{first}&start=lt{last31}",
        ),
        Probe(
            "FHIR Slot: service-type repeated 180 times, 31 days",
            "GET",
            f"/fhir/R4/Slot?schedule=Schedule/{one[0]}-{one[1]}&start=ge{first}&start=lt{last31}&"
            + "&".join([f"service-type={service}"] * 180),
        ),
        Probe(
            "FHIR Slot: 10 schedules x 10 services x 31 days, _count=100",
            "GET",
            f"/fhir/R4/Slot?{ten}&service-type={codes}&start=ge{first}&start=lt{last31}&_count=100",
        ),
        Probe(
            "FHIR Slot: 11 different service-types (refused)",
            "GET",
            f"/fhir/R4/Slot?{ten}&service-type={codes},1,2,3&start=ge{first}",
        ),
        Probe(
            "FHIR Slot: 32 days (refused)",
            "GET",
            f"/fhir/R4/Slot?{ten}&start=ge{first}&start=lt{last32}",
        ),
        Probe(
            "FHIR $find: every practitioner, 31 days (refused)",
            "GET",
            f"/fhir/R4/Appointment/$find?start={first}&end={last31 - timedelta(days=1)}",
        ),
        Probe(
            "FHIR $find: 10 practitioners x 10 services x 31 days",
            "GET",
            f"/fhir/R4/Appointment/$find?{practitioners}&service-type={codes}&start={first}"
            f"&end={last31 - timedelta(days=1)}&_count=100",
        ),
        Probe(
            "FHIR $find POST: 1 MB Parameters of 20,000 values (refused)",
            "POST",
            "/fhir/R4/Appointment/$find",
            params_body,
            fhir,
        ),
        Probe(
            "FHIR $find POST: 1 MB of nested arrays",
            "POST",
            "/fhir/R4/Appointment/$find",
            deep,
            fhir,
        ),
        Probe(
            "FHIR POST 2.5 MB (413)",
            "POST",
            "/fhir/R4/Appointment/$find",
            b" " * (5 * MB // 2),
            fhir,
        ),
        Probe(
            "FHIR POST 60 MB (413 from Content-Length)",
            "POST",
            "/fhir/R4/Appointment/$find",
            b" " * (60 * MB),
            fhir,
        ),
        Probe(
            "FHIR POST 10 MB chunked, no Content-Length",
            "POST",
            "/fhir/R4/Appointment/$find",
            b" " * (10 * MB),
            fhir,
            declared=-1,
        ),
        Probe(
            "FHIR POST 10 MB saying Content-Length 1000",
            "POST",
            "/fhir/R4/Appointment/$find",
            b" " * (10 * MB),
            fhir,
            declared=1000,
        ),
        Probe(
            "REST slots: 31 days, service_id repeated 150 times",
            "GET",
            f"{slots}?start={first}&end={last31 - timedelta(days=1)}&"
            + "&".join([f"service_id={world['single_service']}"] * 150),
        ),
        Probe(
            "REST slots: 32 days (refused)",
            "GET",
            f"{slots}?start={first}&end={last31}",
        ),
        Probe(
            "REST practitioners: 100 a page, earliest first, free that day",
            "GET",
            f"/api/v1/practitioners?per_page=100&sort=earliest&available_on={first}",
        ),
        Probe(
            "REST practitioners: 100 a page, free on the horizon's last day",
            "GET",
            f"/api/v1/practitioners?per_page=100&sort=earliest&available_on={world['edge_day']}",
        ),
        Probe(
            "REST practitioners: 50 parameters of 10 values",
            "GET",
            "/api/v1/practitioners?" + "&".join(f"p{i}={v}" for i in range(50) for v in range(10)),
        ),
        Probe(
            "REST POST token: 1 MB JSON",
            "POST",
            "/api/v1/auth/token",
            json.dumps({"email": "x" * (MB - 100), "password": "x"}).encode(),
            {"Content-Type": "application/json"},
        ),
        Probe(
            "REST POST 60 MB (413 from Content-Length)",
            "POST",
            "/api/v1/appointments",
            b" " * (60 * MB),
            {"Content-Type": "application/json"},
        ),
        Probe(
            "Web directory page, page 1 of everyone",
            "GET",
            "/practitioners/?" + "&".join(f"q{i}=x" for i in range(49)),
        ),
        Probe(
            "Web POST login form of 2.5 MB (413)",
            "POST",
            "/account/login/",
            b"a=" + b"x" * (5 * MB // 2),
            {"Content-Type": form},
        ),
        Probe(
            "Web upload: 60 MB multipart (413 from Content-Length)",
            "POST",
            f"/records/patients/{world['patient']}/documents/",
            b"--x\r\n" + b"x" * (60 * MB),
            {"Content-Type": multipart},
        ),
        Probe(
            "Web upload: 60 MB multipart saying 5 MB",
            "POST",
            f"/records/patients/{world['patient']}/documents/",
            b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n'
            + b"x" * (60 * MB),
            {"Content-Type": multipart},
            declared=5 * MB,
        ),
    ]


def warmups(world: dict) -> list[Probe]:
    """One light request per door, so imports and first-use caches are not counted as growth."""
    day = world["day"]
    p, loc = world["schedules"][0]
    small, fhir = _fhir_json(
        {"resourceType": "Parameters", "parameter": [{"name": "start", "valueString": str(day)}]}
    )
    return [
        Probe("warm", "GET", "/fhir/R4/metadata"),
        Probe("warm", "GET", f"/fhir/R4/Slot?schedule=Schedule/{p}-{loc}&start={day}"),
        Probe("warm", "GET", f"/fhir/R4/Appointment/$find?practitioner={p}&start={day}"),
        Probe("warm", "POST", f"/fhir/R4/Appointment/$find?practitioner={p}", small, fhir),
        Probe("warm", "GET", f"/api/v1/practitioners/{p}/slots?start={day}&end={day}"),
        Probe("warm", "GET", "/api/v1/practitioners?per_page=5"),
        Probe("warm", "GET", "/practitioners/"),
        Probe("warm", "GET", "/account/login/"),
    ]


# Sending -----------------------------------------------------------------------------------------


def send(port: int, probe: Probe) -> tuple[int, float]:
    """Send `probe` over a fresh connection; (status, seconds until the answer's status line).

    The body is written from another thread, so an answer that comes before the body is read
    (a 413) is timed when it comes; the server may then close on the rest.
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    try:
        head = [f"{probe.method} {probe.path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
        head += [f"{k}: {v}" for k, v in probe.headers.items()]
        if probe.method == "POST":
            if probe.declared == -1:
                head.append("Transfer-Encoding: chunked")
            else:
                length = len(probe.body) if probe.declared is None else probe.declared
                head.append(f"Content-Length: {length}")
        head.append("Connection: close")
        started = time.perf_counter()
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        writer = threading.Thread(target=_write_body, args=(sock, probe), daemon=True)
        writer.start()
        try:
            status_line = sock.makefile("rb").readline()
        except OSError:  # reset before the answer could be read
            status_line = b""
        elapsed = time.perf_counter() - started
        try:
            status = int(status_line.split()[1])
        except (IndexError, ValueError):
            status = 0
        return status, elapsed
    finally:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def _write_body(sock: socket.socket, probe: Probe) -> None:
    body = probe.body
    try:
        if probe.declared == -1:
            for i in range(0, len(body), MB):
                part = body[i : i + MB]
                sock.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        else:
            for i in range(0, len(body), MB):
                sock.sendall(body[i : i + MB])
    except OSError:
        pass  # the server answered and closed: the rest was never read


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_ms(pids: list[int]) -> float:
    """User + system CPU time the processes `pids` have used so far."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks * 1000 / os.sysconf("SC_CLK_TCK")


def healthz_under_load(port: int, heavy: list[Probe], seconds: float) -> tuple[float, int]:
    """Slowest /healthz (ms) while two clients keep sending `heavy`; how many heavy were sent."""
    stop = time.perf_counter() + seconds
    sent = [0]

    def hammer():
        i = 0
        while time.perf_counter() < stop:
            send(port, heavy[i % len(heavy)])
            sent[0] += 1
            i += 1

    threads = [threading.Thread(target=hammer) for _ in range(2)]
    for t in threads:
        t.start()
    worst = 0.0
    probe = Probe("healthz", "GET", "/healthz")
    while time.perf_counter() < stop:
        _, elapsed = send(port, probe)
        worst = max(worst, elapsed * 1000)
        time.sleep(0.02)
    for t in threads:
        t.join()
    return worst, sent[0]


# The run -----------------------------------------------------------------------------------------


def bench_world(single, directory) -> dict:
    """Ids of the bench data the requests name. Call with Django set up, before the server."""
    from carebook.booking.models import Appointment
    from carebook.clinic.models import Service
    from carebook.scheduling.models import AvailabilityWindow

    pairs = sorted(
        set(
            AvailabilityWindow.objects.filter(
                practitioner_id__in=directory.practitioner_ids[:10]
            ).values_list("practitioner_id", "location_id")
        )
    )[:10]
    services = list(
        Service.objects.filter(practitioner_id__in={p for p, _ in pairs}, is_active=True)
        .order_by("practitioner_id", "pk")
        .values_list("pk", flat=True)
    )
    # Each practitioner's services first, so the ten codes reach all ten schedules.
    by_practitioner = {}
    for pk, pid in Service.objects.filter(pk__in=services).values_list("pk", "practitioner_id"):
        by_practitioner.setdefault(pid, []).append(pk)
    spread = [pks[0] for pks in by_practitioner.values()]
    spread += [pk for pk in services if pk not in spread]
    patient = Appointment.objects.values_list("patient_id", flat=True).first()
    return {
        "day": single.start_date,
        # Where stored free days end and a day's earliest start decides (see booking.next_free).
        "edge_day": (datetime.now(UTC) + timedelta(days=60)).date(),
        "schedules": pairs,
        "services": spread[:10],
        "single_practitioner": single.practitioner.pk,
        "single_service": single.service.pk,
        "patient": patient or 1,
    }


def warm(port: int, world: dict, workers: list[int], *, rounds: int = 5) -> None:
    """Send the warm-ups from as many clients at once as there are workers, until each worker
    has served some: one client alone may be served by one worker only, and the other's first
    request (its imports and first queries) would then be timed as a probe."""
    for _ in range(rounds):
        before = {pid: cpu_ms([pid]) for pid in workers}

        def client() -> None:
            for probe in warmups(world):
                for _ in range(2):
                    send(port, probe)

        threads = [threading.Thread(target=client) for _ in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if all(cpu_ms([pid]) - before[pid] >= 100 for pid in workers):
            return


def run(server, world: dict, *, repeat: int = 3, load_seconds: float = 4.0) -> dict:
    """Send every probe `repeat` times; (results, RSS growth, /healthz under load)."""
    workers = server.worker_pids()
    warm(server.port, world, workers)
    before = {pid: rss_mb(pid) for pid in workers}
    table = probes(world)
    for _ in range(repeat):
        for probe in table:
            cpu = cpu_ms(workers)
            status, elapsed = send(server.port, probe)
            time.sleep(0.05)  # let the worker finish what it does after answering
            probe.statuses.add(status)
            probe.worst_ms = max(probe.worst_ms, elapsed * 1000)
            probe.worst_cpu_ms = max(probe.worst_cpu_ms, cpu_ms(workers) - cpu)
    after = {pid: rss_mb(pid) for pid in workers}
    heavy = [p for p in table if "10 services x 31 days" in p.label]
    healthz_ms, heavy_sent = healthz_under_load(server.port, heavy, load_seconds)
    return {
        "probes": table,
        "rss_before": before,
        "rss_after": after,
        "growth_mb": max((after[p] - before[p] for p in workers), default=0.0),
        "max_ms": max(p.worst_ms for p in table),
        "max_cpu_ms": max(p.worst_cpu_ms for p in table),
        "healthz_ms": healthz_ms,
        "heavy_sent": heavy_sent,
    }


def report(result: dict) -> None:
    width = max(len(p.label) for p in result["probes"])
    for probe in result["probes"]:
        codes = ",".join(str(s) for s in sorted(probe.statuses))
        print(
            f"  {probe.label.ljust(width)}  HTTP {codes:<7} max {probe.worst_ms:7.1f} ms"
            f"   worker CPU {probe.worst_cpu_ms:5.0f} ms"
        )
    rss = ", ".join(
        f"{result['rss_before'][pid]:.0f} -> {result['rss_after'][pid]:.0f} MB"
        for pid in result["rss_before"]
    )
    print(f"  worker RSS (warm, then after every request above): {rss}")
    print(
        f"  /healthz while 2 clients send the heaviest accepted requests "
        f"({result['heavy_sent']} sent): max {result['healthz_ms']:.1f} ms"
    )
