"""`make bench-scale`: web processes on a PostgreSQL primary with a streaming replica.

Builds two throwaway clusters on spare ports (never the shared one): a primary with
wal_level=replica and a replica made by `pg_basebackup -R`. Loads the bench directory
(1,000 practitioners) into the primary and lets it stream to the replica, then:

1. read throughput of the directory and practitioner pages, 16 clients, gunicorn with
   --workers processes: on the primary alone, then with DATABASE_REPLICA_URL (alternating, --runs
   times each); where the queries ran (pg_stat_database) and the connections each cluster held;
2. replica lag under a burst of bookings (pg_stat_replication.replay_lag);
3. a booking never trusts the replica: replay paused on the replica, a slot booked over HTTP,
   the replica still offers it, the booker sees it gone (read-your-writes), a second booking of
   it is refused by the primary; replay resumed;
4. the task table: two task workers work off the messages those bookings enqueued.

Both clusters are stopped and deleted at the end, whatever happens. Figures: docs/scaling.md.
"""

import argparse
import base64
import http.client
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_bench import Server  # noqa: E402 - after the path is set
from bench.measure import summarise  # noqa: E402

DB = "scale"
PIN_COOKIE = "carebook_wrote"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def say(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


# PostgreSQL, throwaway ------------------------------------------------------------------------


def _bin() -> Path:
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        raise SystemExit("PostgreSQL binaries not found under /usr/lib/postgresql")
    return bins[-1]


def _as_postgres(tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [str(_bin() / tool), *args]
    if os.geteuid() == 0:  # the server refuses to run as root
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=check, capture_output=True, text=True)  # noqa: S603


def _own_dir(path: Path) -> None:
    path.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


class Cluster:
    def __init__(self, base: Path, name: str):
        self.dir = base / name
        self.port = free_port()

    def start(self, **settings: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir}"
        for key, value in settings.items():
            options += f" -c {key}={value}"
        _as_postgres(
            "pg_ctl", "-D", str(self.dir), "-o", options, "-w", "-l", str(self.dir / "log"), "start"
        )

    def stop(self) -> None:
        if self.dir.exists():
            _as_postgres("pg_ctl", "-D", str(self.dir), "-m", "immediate", "stop", check=False)

    def url(self, db: str = DB) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def query(self, sql: str, db: str = DB):
        import psycopg

        with psycopg.connect(self.url(db), autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []


SERVER_SETTINGS = {"wal_level": "replica", "max_wal_senders": "4", "max_connections": "200"}


def make_primary(base: Path) -> Cluster:
    primary = Cluster(base, "primary")
    _own_dir(primary.dir)
    # initdb's pg_hba.conf already trusts replication connections from 127.0.0.1.
    _as_postgres("initdb", "-D", str(primary.dir), "-A", "trust", "-U", "postgres", "--no-sync")
    primary.start(**SERVER_SETTINGS)
    primary.query(f"CREATE DATABASE {DB}", db="postgres")
    return primary


def make_replica(base: Path, primary: Cluster) -> Cluster:
    replica = Cluster(base, "replica")
    _own_dir(replica.dir)
    _as_postgres(
        "pg_basebackup",
        *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
        *("-D", str(replica.dir), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
    )
    replica.start(hot_standby="on", **SERVER_SETTINGS)
    return replica


def wait_caught_up(primary: Cluster, replica: Cluster, timeout: float = 120) -> float:
    """Seconds until the replica has replayed everything the primary had written when asked."""
    started = time.monotonic()
    target = primary.query("SELECT pg_current_wal_lsn()")[0][0]
    while time.monotonic() - started < timeout:
        done = replica.query(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0]
        if done:
            return time.monotonic() - started
        time.sleep(0.05)
    raise RuntimeError("the replica did not catch up")


# Data -----------------------------------------------------------------------------------------


def load(primary: Cluster, practitioners: int, seed: int):
    os.environ["DATABASE_URL"] = primary.url()
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carebook.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False
    from django.core.management import call_command
    from django.db import connection

    from bench import dataset
    from bench.run import store_next_free

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    directory = dataset.build_directory(rng, practitioners=practitioners)
    store_next_free(None)  # the server runs on the real clock
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    tasks = dataset.booking_tasks(directory)
    return directory, tasks


def second_patient(tokens: dict[int, str]) -> int:
    from carebook.accounts.models import User
    from carebook.accounts.tokens import token_create

    patient = User.objects.create(
        email="second@bench.test",
        full_name="Bench Second Patient",
        role=User.Role.PATIENT,
        state=User.State.ACTIVE,
        is_active=True,
        password="!",
    )
    tokens[patient.pk] = token_create(user=patient, name="bench")[1]
    return patient.pk


def tokens_for(tasks) -> dict[int, str]:
    from carebook.accounts.tokens import token_create

    tokens: dict[int, str] = {}
    for task in tasks:
        if task.patient.pk not in tokens:
            tokens[task.patient.pk] = token_create(user=task.patient, name="bench")[1]
    return tokens


# HTTP -----------------------------------------------------------------------------------------


def request(port, method, path, body=None, headers=None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), response
    finally:
        if own:
            conn.close()


def read_load(port: int, practitioner_ids: list[int], *, clients: int, seconds: float) -> dict:
    """Clients alternate a directory page and a practitioner's page, as browsing does."""
    pages = max(1, len(practitioner_ids) // 20)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    bad = [0] * clients
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def run(i):
        rng = random.Random(i)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        try:
            n = 0
            while time.perf_counter() < stop_at[0]:
                if n % 2:
                    path = f"/practitioners/{rng.choice(practitioner_ids)}/"
                else:
                    path = f"/practitioners/?page={rng.randint(1, pages)}"
                t = time.perf_counter()
                status, _, _ = request(port, "GET", path, conn=conn)
                latencies[i].append(time.perf_counter() - t)
                bad[i] += status != 200
                n += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + seconds
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    every = [x for xs in latencies for x in xs]
    return {"rate": len(every) / elapsed, "latency": summarise(every), "bad": sum(bad)}


def commits(cluster: Cluster) -> int:
    """Transactions the cluster ran in the bench database (each autocommit query is one)."""
    return cluster.query(f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{DB}'")[0][0]


def connections_held(cluster: Cluster) -> int:
    return cluster.query(
        f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{DB}' AND pid <> pg_backend_pid()"
    )[0][0]


def measure_reads(primary, replica, practitioner_ids, *, workers, clients, seconds, with_replica):
    if with_replica:
        os.environ["DATABASE_REPLICA_URL"] = replica.url()
    else:
        os.environ.pop("DATABASE_REPLICA_URL", None)
    server = Server(primary.url(), workers=workers)
    try:
        read_load(server.port, practitioner_ids, clients=clients, seconds=2)  # warm every worker
        before = commits(primary), commits(replica)
        result = read_load(server.port, practitioner_ids, clients=clients, seconds=seconds)
        after = commits(primary), commits(replica)
        result["primary_tx"] = after[0] - before[0]
        result["replica_tx"] = after[1] - before[1]
        result["primary_conns"] = connections_held(primary)
        result["replica_conns"] = connections_held(replica)
    finally:
        server.close()
        os.environ.pop("DATABASE_REPLICA_URL", None)
    return result


def book_body(task) -> str:
    return json.dumps(
        {
            "practitioner_id": task.practitioner.pk,
            "service_id": task.service.pk,
            "location_id": task.location.pk,
            "start": task.start.isoformat(),
            "mode": "in_person",
        }
    )


def lag_under_bookings(port, primary, tasks, tokens, *, clients: int, seconds: float) -> dict:
    """Book distinct slots as fast as `clients` can while sampling the replica's replay lag."""
    todo = list(reversed(tasks))
    lock = threading.Lock()
    codes: dict[int, int] = {}
    lags: list[float] = []
    stop_at = time.perf_counter() + seconds
    done = threading.Event()

    def book():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while time.perf_counter() < stop_at:
                with lock:
                    if not todo:
                        return
                    task = todo.pop()
                headers = {
                    "Authorization": f"Bearer {tokens[task.patient.pk]}",
                    "Content-Type": "application/json",
                }
                status, _, _ = request(
                    port, "POST", "/api/v1/appointments", book_body(task), headers, conn=conn
                )
                with lock:
                    codes[status] = codes.get(status, 0) + 1
        finally:
            conn.close()

    def sample():
        while not done.is_set():
            row = primary.query("SELECT EXTRACT(EPOCH FROM replay_lag) FROM pg_stat_replication")
            if row and row[0][0] is not None:
                lags.append(float(row[0][0]))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    threads = [threading.Thread(target=book) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return {"codes": codes, "rate": codes.get(201, 0) / elapsed, "lags": lags}


def free_starts(port, task, headers=None) -> set[datetime]:
    day = task.start.date()
    path = (
        f"/api/v1/practitioners/{task.practitioner.pk}/slots?start={day - timedelta(days=1)}"
        f"&end={day + timedelta(days=1)}&service_id={task.service.pk}"
        f"&location_id={task.location.pk}"
    )
    status, body, _ = request(port, "GET", path, headers=headers)
    if status != 200:
        raise RuntimeError(f"slots answered {status}: {body[:200]!r}")
    return {datetime.fromisoformat(s["start"]) for s in json.loads(body)}


def booking_trusts_only_primary(port, primary, replica, task, tokens, second_patient) -> list:
    """The story of one slot while the replica is frozen; returns (step, what happened) rows."""
    rows = []
    replica.query("SELECT pg_wal_replay_pause()")
    try:
        rows.append(("replica replay", "paused"))
        rows.append(("slot offered (replica, before)", task.start in free_starts(port, task)))
        headers = {
            "Authorization": f"Bearer {tokens[task.patient.pk]}",
            "Content-Type": "application/json",
        }
        status, _, response = request(
            port, "POST", "/api/v1/appointments", book_body(task), headers
        )
        rows.append(("patient A books it", status))
        cookie = response.getheader("Set-Cookie", "").split(";")[0]
        rows.append(("slot offered to anyone (replica)", task.start in free_starts(port, task)))
        rows.append(
            (
                "slot offered to A (pinned to primary)",
                task.start in free_starts(port, task, headers={"Cookie": cookie}),
            )
        )
        headers_b = {**headers, "Authorization": f"Bearer {tokens[second_patient]}"}
        status, body, _ = request(port, "POST", "/api/v1/appointments", book_body(task), headers_b)
        rows.append(("patient B books the same slot", f"{status} {json.loads(body).get('code')}"))
        count = (
            f"SELECT count(*) FROM booking_appointment WHERE practitioner_id = "
            f"{task.practitioner.pk} AND start = '{task.start.isoformat()}' "
            "AND status IN ('held', 'requested', 'confirmed')"
        )
        rows.append(("active bookings of it: primary", primary.query(count)[0][0]))
        rows.append(("active bookings of it: replica", replica.query(count)[0][0]))
    finally:
        replica.query("SELECT pg_wal_replay_resume()")
    rows.append(("replica replay", "resumed"))
    wait_caught_up(primary, replica)
    rows.append(("slot offered (replica, caught up)", task.start in free_starts(port, task)))
    return rows


def drain_tasks(primary: Cluster, *, workers: int, seconds: float) -> dict:
    """Task workers on the task table: how fast they work off the bookings' messages."""
    from django_tasks_db.models import DBTaskResult

    done_sql = (
        "SELECT count(*) FROM django_tasks_database_dbtaskresult "
        "WHERE status IN ('SUCCESSFUL', 'FAILED')"
    )
    backlog = DBTaskResult.objects.ready().count()
    before = primary.query(done_sql)[0][0]
    env = {
        **os.environ,
        "DATABASE_URL": primary.url(),
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-not-for-production",
        "LOG_LEVEL": "ERROR",
        "CAREBOOK_VAR_DIR": str(ROOT / "var" / "bench"),
        "CAREBOOK_DOCUMENT_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }
    env.pop("DATABASE_REPLICA_URL", None)
    procs = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "manage.py", "worker", "--interval", "0.1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds and DBTaskResult.objects.ready().exists():
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        finished = primary.query(done_sql)[0][0] - before
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    return {"backlog": backlog, "finished": finished, "elapsed": elapsed}


# Main -----------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0, help="per read run")
    parser.add_argument("--runs", type=int, default=3, help="read runs per configuration")
    parser.add_argument("--practitioners", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20310303)
    return parser.parse_args()


def spread(values: list[float], fmt: str = "{:.1f}") -> str:
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def main() -> int:
    args = parse_args()
    load_start = os.getloadavg()
    base = Path(tempfile.mkdtemp(prefix="carebook-scale-"))
    os.chmod(base, 0o755)  # noqa: S103 - the clusters run as the postgres user
    primary = replica = None
    try:
        t = time.monotonic()
        primary = make_primary(base)
        replica = make_replica(base, primary)
        version = primary.query("SHOW server_version")[0][0]
        say(
            f"PostgreSQL {version}: primary :{primary.port}, replica :{replica.port} "
            f"(pg_basebackup -R), up in {time.monotonic() - t:.1f} s"
        )
        t = time.monotonic()
        directory, tasks = load(primary, args.practitioners, args.seed)
        loaded = time.monotonic() - t
        caught_up = wait_caught_up(primary, replica)
        say(
            f"migrated and loaded {len(directory.practitioner_ids)} practitioners, "
            f"{directory.active} active appointments in {loaded:.1f} s; the replica had replayed "
            f"it {caught_up:.2f} s later"
        )
        tokens = tokens_for(tasks)
        from django.db import connection

        connection.close()
        wait_caught_up(primary, replica)

        say(
            f"1. reads: {args.clients} clients, gunicorn {args.workers} workers, "
            f"{args.seconds:.0f} s per run, {args.runs} runs each, alternating"
        )
        results: dict[bool, list[dict]] = {False: [], True: []}
        for run in range(args.runs):
            for with_replica in (False, True):
                r = measure_reads(
                    primary,
                    replica,
                    directory.practitioner_ids,
                    workers=args.workers,
                    clients=args.clients,
                    seconds=args.seconds,
                    with_replica=with_replica,
                )
                results[with_replica].append(r)
                label = "primary + replica" if with_replica else "primary only"
                say(
                    f"   run {run + 1} {label:18} {r['rate']:6.1f} req/s  {r['latency']}  "
                    f"non-200 {r['bad']}  transactions primary {r['primary_tx']} / replica "
                    f"{r['replica_tx']}  connections {r['primary_conns']} / {r['replica_conns']}"
                )

        os.environ["DATABASE_REPLICA_URL"] = replica.url()
        server = Server(primary.url(), workers=args.workers)
        try:
            # The story's slot: the last practitioner's earliest (the burst leaves them alone),
            # and a second patient with no visits of their own to clash with.
            task = tasks[len(directory.practitioner_ids) - 1]
            burst = [t for t in tasks if t.practitioner.pk != task.practitioner.pk]
            say("2. replica lag while 16 clients book as fast as they can, 10 s")
            lag = lag_under_bookings(server.port, primary, burst, tokens, clients=16, seconds=10)
            say(
                f"   {lag['codes']}: {lag['rate']:.1f} bookings/s; replay lag sampled "
                f"{len(lag['lags'])} times: max {max(lag['lags'], default=0) * 1000:.0f} ms, "
                f"median {statistics.median(lag['lags'] or [0]) * 1000:.0f} ms"
            )
            wait_caught_up(primary, replica)
            say("3. a booking never trusts the replica")
            other = second_patient(tokens)
            story = booking_trusts_only_primary(server.port, primary, replica, task, tokens, other)
        finally:
            server.close()
            os.environ.pop("DATABASE_REPLICA_URL", None)
        for step, outcome in story:
            print(f"   {step:40} {outcome}")

        say("4. the task table: 2 task workers work off the bookings' messages (at most 60 s)")
        drained = drain_tasks(primary, workers=2, seconds=60)
        say(
            f"   {drained['backlog']} tasks ready; {drained['finished']} finished in "
            f"{drained['elapsed']:.1f} s = {drained['finished'] / drained['elapsed']:.1f} tasks/s"
        )

        print()
        print(f"== summary (min / median / max of {args.runs} runs)")
        for with_replica in (False, True):
            rs = results[with_replica]
            label = "primary + replica" if with_replica else "primary only"
            share = [r["replica_tx"] / max(1, r["primary_tx"] + r["replica_tx"]) for r in rs]
            print(
                f"{label:18} reads/s {spread([r['rate'] for r in rs])}   p95 ms "
                f"{spread([r['latency'].p95_ms for r in rs], '{:.0f}')}   "
                f"replica's share of transactions {spread([s * 100 for s in share], '{:.0f}')} %"
            )
        load_end = os.getloadavg()
        print(
            f"machine: {os.cpu_count()} CPUs; load average {load_start[0]:.2f} at the start, "
            f"{load_end[0]:.2f} at the end (the clusters, gunicorn and the clients share it)"
        )
        seen = dict(story)
        ok = (
            seen["patient A books it"] == 201
            and str(seen["patient B books the same slot"]).startswith("409")
            and seen["active bookings of it: primary"] == 1
            and seen["slot offered to A (pinned to primary)"] is False
        )
        verdict = "PASS" if ok else "FAIL"
        print(f"booking decided on the primary while the replica was behind: {verdict}")
        return 0 if ok else 1
    finally:
        for cluster in (replica, primary):
            if cluster is not None:
                cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
        say(f"both clusters stopped and {base} deleted")


if __name__ == "__main__":
    sys.exit(main())
