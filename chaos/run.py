"""`make chaos`: carebook under kill -9 and database crashes, checked booking by booking.

Two rounds, each on a database of its own:
- PostgreSQL: a throwaway cluster (initdb on a spare port, never the shared one); gunicorn
  (2 workers) and two task workers. Faults while clients book: kill -9 of web workers, kill -9
  of the gunicorn master and an immediate restart on the same port, `pg_ctl stop -m immediate`
  then start, kill -9 of a task worker with a backlog, and web workers that die right after a
  commit, before answering (CAREBOOK_FAULTS=after_commit).
- SQLite: a file, gunicorn (2 workers) and one task worker; kill -9 of web and task workers.

Clients book through the REST API with an Idempotency-Key and retry the same key on any
connection error, 503 or 409-in-progress, as a careful integrator would. Asserted at the end:
every acknowledged booking is in the database and confirmed; no two active appointments of a
practitioner overlap; every retry of an acknowledged request replays the same answer; no 500;
every email sent and received by the SMTP server, duplicates only from task-worker kills (the
window between the server's acceptance and the journal line). Figures: docs/reliability.md.
"""

import argparse
import base64
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def say(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


# The SMTP server ------------------------------------------------------------------------------


class Inbox:
    def __init__(self):
        self.ids: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.ids[line.split(":", 1)[1].strip()] += 1
                break
        return "250 OK"


# PostgreSQL, throwaway ------------------------------------------------------------------------


class Cluster:
    """initdb in a temporary directory, on a spare port; run as the postgres user under root."""

    def __init__(self, base: Path):
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            raise SystemExit("PostgreSQL binaries not found under /usr/lib/postgresql")
        self.bin = bins[-1]
        self.dir = base / "pg"
        self.port = free_port()
        self.dir.mkdir()
        os.chmod(base, 0o755)  # noqa: S103 - the cluster runs as the postgres user
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.dir), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "chaos")

    def _run(self, tool: str, *args: str, check: bool = True) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=check, capture_output=True)  # noqa: S603

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=on"
        self._run(
            "pg_ctl", "-D", str(self.dir), "-o", options, "-w", "-l", str(self.dir / "log"), "start"
        )

    def crash(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir), "-m", "immediate", "stop")

    def destroy(self) -> None:
        self._run("pg_ctl", "-D", str(self.dir), "-m", "immediate", "stop", check=False)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/chaos"


# The processes under test ---------------------------------------------------------------------


class Stack:
    """gunicorn and task workers on one database, restarted as a supervisor would."""

    def __init__(self, base: Path, database_url: str, smtp_port: int, task_workers: int):
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": "chaos-only-secret-key-not-for-production",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "LOG_LEVEL": "ERROR",
            "CAREBOOK_VAR_DIR": str(base / "var"),
            "CAREBOOK_DOCUMENT_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "CAREBOOK_TASK_RETRY_BACKOFF_SECONDS": "1",
            "CAREBOOK_WORKER_DEAD_AFTER_SECONDS": "6",
            "CAREBOOK_TASK_REAP_INTERVAL_SECONDS": "3",
            "EMAIL_TIMEOUT": "3",  # a dead sender's claim on a message lapses in 12 s
        }
        self.task_workers: list[subprocess.Popen] = []
        self.wanted_task_workers = task_workers
        self.web: subprocess.Popen | None = None
        self.supervising = True
        self.restarts = Counter()
        self.log = open(base / "processes.log", "ab")  # noqa: SIM115

    def manage(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            [PY, "manage.py", *args], cwd=ROOT, env=self.env, check=True, capture_output=True, **kw
        )

    def start_web(self, faults: str = "") -> float:
        """Start gunicorn; the seconds until it answers /healthz."""
        env = {**self.env, "CAREBOOK_FAULTS": faults} if faults else self.env
        started = time.monotonic()
        self.web = subprocess.Popen(  # noqa: S603
            [PY, "-m", "gunicorn", "carebook.wsgi", "-w", "2", "-b", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        while time.monotonic() - started < 30:
            try:
                if request(self.port, "GET", "/healthz")[0] == 200:
                    return time.monotonic() - started
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not come up within 30 s")

    def web_workers(self) -> list[int]:
        return children(self.web.pid) if self.web else []

    def start_task_worker(self) -> None:
        self.task_workers.append(
            subprocess.Popen(  # noqa: S603
                [PY, "manage.py", "worker", "--interval", "0.2"],
                cwd=ROOT,
                env=self.env,
                stdout=self.log,
                stderr=self.log,
            )
        )

    def supervise(self) -> None:
        """Restart task workers that died, as systemd's Restart=always does."""
        while self.supervising:
            alive = [p for p in self.task_workers if p.poll() is None]
            for _ in range(self.wanted_task_workers - len(alive)):
                self.restarts["task worker"] += 1
                time.sleep(1)
                self.start_task_worker()
            self.task_workers = [p for p in self.task_workers if p.poll() is None]
            time.sleep(0.5)

    def stop(self) -> None:
        self.supervising = False
        for proc in [self.web, *self.task_workers]:
            if proc and proc.poll() is None:
                proc.terminate()
        for proc in [self.web, *self.task_workers]:
            if proc:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def request(port: int, method: str, path: str, body=None, headers=None, timeout=15):
    """(status, body, replayed) of one request on a fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        replayed = response.getheader("Idempotent-Replayed") == "true"
        return response.status, response.read(), replayed
    finally:
        conn.close()


# The clients ----------------------------------------------------------------------------------


class Load:
    """Patients booking random slots with an Idempotency-Key, retrying as they should."""

    RETRY_STATUSES = {502, 503, 504}

    def __init__(self, stack: Stack, world: dict, clients: int):
        self.stack, self.world, self.clients = stack, world, clients
        self.running = True
        self.acknowledged: list[dict] = []
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()
        now = datetime.now(UTC)
        # Slot starts on the 15-minute grid, 08:00-20:00 in Bengaluru (02:30-14:30 UTC), days 1-6.
        first = datetime(now.year, now.month, now.day, 2, 30, tzinfo=UTC)
        self.starts = [
            first + timedelta(days=d, minutes=15 * k) for d in range(1, 7) for k in range(48)
        ]

    def post(self, token: str, key: str, payload: dict) -> tuple[int, dict]:
        """POST until an answer that is not an outage; every try with the same key."""
        lost = False
        for attempt in range(60):
            try:
                status, body, replayed = request(
                    self.stack.port,
                    "POST",
                    "/api/v1/appointments",
                    json.dumps(payload),
                    {
                        "Authorization": f"Bearer {token}",
                        "Idempotency-Key": key,
                        "Content-Type": "application/json",
                    },
                )
            except (OSError, http.client.HTTPException):
                lost = True
                with self.lock:
                    self.counts["retried after a connection error"] += 1
                time.sleep(0.2 + 0.1 * attempt)
                continue
            data = json.loads(body) if body else {}
            busy = status == 409 and data.get("code") == "idempotency_in_progress"
            if status in self.RETRY_STATUSES or busy:
                with self.lock:
                    self.counts[f"retried after {status}"] += 1
                time.sleep(0.2 + 0.1 * attempt)
                continue
            if lost and replayed and status == 201:
                with self.lock:
                    self.counts["answer lost in a crash, replayed on retry"] += 1
            return status, data
        return 0, {}

    def client(self, i: int) -> None:
        rng = random.Random(i)
        patient = self.world["patients"][i % len(self.world["patients"])]
        while self.running:
            cal = rng.choice(self.world["calendars"])
            payload = {**cal, "start": rng.choice(self.starts).isoformat()}
            key = str(uuid.uuid4())
            status, data = self.post(patient["token"], key, payload)
            with self.lock:
                self.counts[f"answered {status}"] += 1
            if status == 201:
                record = {"id": data["id"], "key": key, "payload": payload}
                with self.lock:
                    self.acknowledged.append(record)
                if rng.random() < 0.15:  # the client retries an acknowledged request
                    again, replay = self.post(patient["token"], key, payload)
                    ok = again == 201 and replay.get("id") == data["id"]
                    with self.lock:
                        self.counts["replays ok" if ok else "replays WRONG"] += 1

    def run(self, seconds: float) -> None:
        threads = [threading.Thread(target=self.client, args=(i,)) for i in range(self.clients)]
        for t in threads:
            t.start()
        time.sleep(seconds)
        self.running = False
        for t in threads:
            t.join()


# A round --------------------------------------------------------------------------------------


def faults_postgres(stack: Stack, cluster: Cluster, seconds: float, log: Counter) -> None:
    """The fault schedule of the PostgreSQL round, spread over `seconds`."""
    step = seconds / 10
    rng = random.Random(7)

    def kill_web_worker():
        workers = stack.web_workers()
        if workers:
            os.kill(rng.choice(workers), signal.SIGKILL)
            log["kill -9 web worker"] += 1

    for _ in range(3):
        time.sleep(step / 2)
        kill_web_worker()
    time.sleep(step)
    # The master dies; its orphaned workers still hold the port until they notice. The new
    # gunicorn binds the same port at once (reuse_port in gunicorn.conf.py).
    os.kill(stack.web.pid, signal.SIGKILL)
    log["kill -9 gunicorn master"] += 1
    log["gunicorn restart to first answer (s)"] = round(stack.start_web(faults=FAULTS), 2)
    time.sleep(step)
    cluster.crash()
    log["pg_ctl stop -m immediate"] += 1
    time.sleep(3)
    cluster.start()
    time.sleep(step)
    for proc in list(stack.task_workers):
        os.kill(proc.pid, signal.SIGKILL)
        log["kill -9 task worker"] += 1
    time.sleep(step)
    for _ in range(3):
        kill_web_worker()
        time.sleep(step / 2)
    for proc in list(stack.task_workers):
        os.kill(proc.pid, signal.SIGKILL)
        log["kill -9 task worker"] += 1


def faults_sqlite(stack: Stack, seconds: float, log: Counter) -> None:
    step = seconds / 8
    rng = random.Random(11)
    for round_ in range(6):
        time.sleep(step)
        workers = stack.web_workers()
        if workers:
            os.kill(rng.choice(workers), signal.SIGKILL)
            log["kill -9 web worker"] += 1
        if round_ in (2, 4):
            for proc in list(stack.task_workers):
                os.kill(proc.pid, signal.SIGKILL)
                log["kill -9 task worker"] += 1


FAULTS = "after_commit:0.03"


def drained_report(stack: Stack, acknowledged: Path, *, wait: float = 120) -> dict:
    """The database's account once every due task and message is done (or `wait` ran out)."""
    deadline = time.monotonic() + wait
    while True:
        report = json.loads(
            subprocess.run(  # noqa: S603
                [PY, str(ROOT / "chaos" / "django_side.py"), "check", str(acknowledged)],
                cwd=ROOT,
                env=stack.env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        drained = report["tasks_due"] == 0 and report["emails_by_status"]["queued"] == 0
        if drained or time.monotonic() > deadline:
            return report
        time.sleep(2)


def backup(cluster: Cluster | None, base: Path) -> None:
    """The documented backup (docs/operations.md), taken while the clinic is busy."""
    if cluster:
        subprocess.run(  # noqa: S603
            [str(cluster.bin / "pg_dump"), "-Fc", "-h", "127.0.0.1", "-p", str(cluster.port)]
            + ["-U", "postgres", "-f", str(base / "backup.dump"), "chaos"],
            check=True,
            capture_output=True,
        )
    else:
        with (
            sqlite3.connect(base / "chaos.sqlite3") as live,
            sqlite3.connect(base / "backup.sqlite3") as copy,
        ):
            live.backup(copy)


def restore(cluster: Cluster | None, base: Path) -> None:
    """The documented restore: the backup replaces the database (everything stopped)."""
    if cluster:
        admin = ["-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres"]
        for tool, *args in (
            ("dropdb", "--force", "chaos"),
            ("createdb", "chaos"),
            ("pg_restore", "-d", "chaos", str(base / "backup.dump")),
        ):
            command = [str(cluster.bin / tool), *admin, *args]
            subprocess.run(command, check=True, capture_output=True)  # noqa: S603
    else:
        for suffix in ("-wal", "-shm"):
            (base / f"chaos.sqlite3{suffix}").unlink(missing_ok=True)
        shutil.copyfile(base / "backup.sqlite3", base / "chaos.sqlite3")


def run_round(name: str, base: Path, seconds: float, clients: int, *, postgres: bool) -> dict:
    say(f"== {name}")
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    cluster = Cluster(base) if postgres else None
    url = cluster.url if cluster else f"sqlite:///{base / 'chaos.sqlite3'}"
    stack = Stack(base, url, smtp.port, task_workers=2)
    faults_log: Counter = Counter()
    acknowledged = base / "acknowledged.json"
    try:
        stack.manage("migrate", "--no-input")
        world_file = base / "world.json"
        subprocess.run(  # noqa: S603
            [PY, str(ROOT / "chaos" / "django_side.py"), "seed", str(world_file), "8", "24"],
            cwd=ROOT,
            env=stack.env,
            check=True,
        )
        world = json.loads(world_file.read_text())
        stack.start_web(faults=FAULTS if postgres else "")
        for _ in range(stack.wanted_task_workers):
            stack.start_task_worker()
        supervisor = threading.Thread(target=stack.supervise, daemon=True)
        supervisor.start()
        load = Load(stack, world, clients)
        if postgres:
            faults = threading.Thread(
                target=faults_postgres, args=(stack, cluster, seconds, faults_log)
            )
        else:
            faults = threading.Thread(target=faults_sqlite, args=(stack, seconds, faults_log))
        backup_timer = threading.Timer(seconds * 0.75, backup, args=(cluster, base))
        say(f"booking for {seconds:.0f} s with {clients} clients under faults")
        faults.start()
        backup_timer.start()
        load.run(seconds)
        faults.join()
        backup_timer.join()
        acknowledged.write_text(json.dumps(load.acknowledged))
        say("load stopped; waiting for every message to go out")
        report = drained_report(stack, acknowledged)
        ids = report.pop("message_ids")
        received = Counter(inbox.ids)
        result = {
            "round": name,
            "faults": dict(faults_log),
            "restarts": dict(stack.restarts),
            "requests": dict(load.counts),
            **report,
            "emails_not_received": sum(1 for i in ids if received[i] == 0),
            "emails_received_twice": sum(1 for i in ids if received[i] > 1),
        }
        say("restoring the backup taken during the run; reconcile_sent; worker again")
        stack.stop()
        restore(cluster, base)
        reconciled = stack.manage("reconcile_sent").stdout.decode().strip()
        stack.task_workers = []
        for _ in range(stack.wanted_task_workers):
            stack.start_task_worker()
        after = drained_report(stack, acknowledged, wait=60)
        after.pop("message_ids")
        result["restore"] = {
            "reconcile_sent": reconciled,
            "tasks_due": after["tasks_due"],
            "emails_queued": after["emails_by_status"]["queued"],
            "emails_sent_again": sum(inbox.ids.values()) - sum(received.values()),
        }
        return result
    finally:
        stack.stop()
        smtp.stop()
        if cluster:
            cluster.destroy()


def verdicts(result: dict) -> list[tuple[str, bool]]:
    answered = result["requests"]
    kills = result["faults"].get("kill -9 task worker", 0)
    return [
        ("every acknowledged booking is in the database", result["acknowledged_missing"] == 0),
        ("every acknowledged booking is confirmed", result["acknowledged_not_confirmed"] == 0),
        ("no two active appointments of a practitioner overlap", result["overlaps"] == 0),
        (
            "every retry of an acknowledged request replayed it",
            answered.get("replays WRONG", 0) == 0,
        ),
        ("no 500 answers", not any(k.startswith("answered 5") for k in answered)),
        ("no request left unanswered", answered.get("answered 0", 0) == 0),
        (
            "every booking told by email, patient and practitioner",
            result["booking_emails"] == 2 * result["acknowledged"],
        ),
        ("every task done", result["tasks_due"] == 0),
        (
            "every email sent",
            result["emails_by_status"]["queued"] == 0 and result["emails_by_status"]["failed"] == 0,
        ),
        ("every email received", result["emails_not_received"] == 0),
        (
            "duplicates only within the window (<= task-worker kills)",
            result["emails_received_twice"] <= kills,
        ),
        ("some bookings were acknowledged", result["acknowledged"] > 0),
        (
            "a restored backup sends nothing already sent",
            result["restore"]["emails_sent_again"] == 0 and result["restore"]["emails_queued"] == 0,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=120, help="load per round")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--only", choices=["postgres", "sqlite"])
    args = parser.parse_args()
    results = []
    tmp = tempfile.mkdtemp(prefix="carebook-chaos-")
    os.chmod(tmp, 0o755)  # noqa: S103 - the throwaway cluster runs as the postgres user
    try:
        for name, postgres in (("PostgreSQL", True), ("SQLite", False)):
            if args.only and args.only != ("postgres" if postgres else "sqlite"):
                continue
            base = Path(tmp) / name.lower()
            base.mkdir()
            seconds = args.seconds if postgres else args.seconds / 2
            results.append(run_round(name, base, seconds, args.clients, postgres=postgres))
    finally:
        if os.environ.get("CHAOS_KEEP") == "1":  # the databases and logs, to look at
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    failed = False
    for result in results:
        print(f"\n== {result['round']}")
        print(json.dumps({k: v for k, v in result.items() if k != "round"}, indent=2))
        for label, ok in verdicts(result):
            print(f"  {'PASS' if ok else 'FAIL'}  {label}")
            failed |= not ok
    out = ROOT / "var" / "chaos-report.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nreport: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
