"""The raw ceiling: one-row INSERT transactions into a table with the same kind of exclusion
constraint as booking_appointment, from 8 concurrent clients (pgbench, or psycopg threads); and the
booking's physical limit: the statements of real bookings, captured and replayed the same way."""

import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

SETUP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "DROP TABLE IF EXISTS bench_raw",
    "DROP SEQUENCE IF EXISTS bench_raw_slot",
    """CREATE TABLE bench_raw (
        id bigserial PRIMARY KEY,
        practitioner_id bigint NOT NULL,
        hold tstzrange NOT NULL,
        EXCLUDE USING gist (practitioner_id WITH =, hold WITH &&)
    )""",
    "CREATE SEQUENCE bench_raw_slot",
]
# Every transaction takes the next 30-minute range on a global grid, so no two inserts ever
# collide whatever practitioner id they draw; the constraint is still checked on each insert.
INSERT = (
    "INSERT INTO bench_raw (practitioner_id, hold) "
    "SELECT {pid}, tstzrange(timestamptz '2040-01-01 00:00+00' + n * interval '30 minutes', "
    "timestamptz '2040-01-01 00:00+00' + (n + 1) * interval '30 minutes', '[)') "
    "FROM (SELECT nextval('bench_raw_slot') AS n) AS s"
)
PGBENCH_SCRIPT = "\\set pid random(1, 1000)\n" + INSERT.format(pid=":pid") + ";\n"


@dataclass
class RawResult:
    tps: float
    tool: str
    detail: str


def prepare(dsn: str, *, prefill: int) -> None:
    """Create the scratch table, with `prefill` rows so its index is not empty at the start."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for sql in SETUP:
            conn.execute(sql)
        conn.execute(
            "INSERT INTO bench_raw (practitioner_id, hold) "
            "SELECT 1 + n %% 1000, tstzrange(timestamptz '2030-01-01 00:00+00' + n * interval "
            "'30 minutes', timestamptz '2030-01-01 00:00+00' + (n + 1) * interval '30 minutes') "
            "FROM generate_series(1, %s) AS n",
            [prefill],
        )
        conn.execute("VACUUM ANALYZE bench_raw")


def find_pgbench() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(candidate)
    return None


def run_pgbench(
    pgbench: str, *, host: str, port: int, user: str, db: str, clients: int, seconds: int
) -> RawResult:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "raw_insert.sql"
        script.write_text(PGBENCH_SCRIPT)
        cmd = [
            pgbench,
            "--no-vacuum",
            f"--host={host}",
            f"--port={port}",
            f"--username={user}",
            f"--client={clients}",
            f"--jobs={min(clients, 2)}",
            f"--time={seconds}",
            f"--file={script}",
            db,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed ({out.returncode}): {out.stderr.strip()[-500:]}")
    tps = re.search(r"tps = ([0-9.]+)", out.stdout)
    lat = re.search(r"latency average = ([0-9.]+ ms)", out.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
    if not tps:
        raise RuntimeError(f"could not read pgbench output:\n{out.stdout}")
    detail = f"pgbench -c {clients} -j {min(clients, 2)} -T {seconds}"
    if lat:
        detail += f", latency avg {lat.group(1)}"
    if failed:
        detail += f", failed {failed.group(1)}"
    return RawResult(float(tps.group(1)), "pgbench", detail)


def run_psycopg(dsn: str, *, clients: int, seconds: float) -> RawResult:
    """Fallback: `clients` threads, each its own autocommit connection, inserting in a loop."""
    counts = [0] * clients
    stop = threading.Event()
    barrier = threading.Barrier(clients + 1)

    def client(i: int) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            rnd = (i * 7919) % 1000
            barrier.wait()
            while not stop.is_set():
                rnd = (rnd * 1103515245 + 12345) % 1000
                conn.execute(INSERT.format(pid=rnd + 1))
                counts[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return RawResult(sum(counts) / elapsed, "psycopg", f"{clients} threads, {elapsed:.1f} s")


# --- the booking's own statements, replayed -----------------------------------------------------

# A timestamp literal as Django's psycopg backend writes it into a captured statement.
TIMESTAMP = re.compile(r"'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?\+00:00'::timestamptz")
# The task outbox's primary key (a UUID made in Python) is the one literal that must change.
TASK_INSERT = re.compile(r'^INSERT INTO "django_tasks_database_dbtaskresult"')
# Each row's first value (one insert writes an event's tasks together).
TASK_ID = re.compile(r"(VALUES |\), )\('[0-9a-f-]{32,36}'(?:::uuid)?")
APPOINTMENT_INSERT = re.compile(r'^INSERT INTO "booking_appointment"')


def replay_statements(captured: list[str]) -> list[str]:
    """One booking's statements, made repeatable: the appointment's times move by `:n` hours
    (a number drawn per transaction, so no two replays claim the same range) and each task row
    gets a fresh id. Everything else, reads and locks included, is replayed as captured."""
    out = []
    for sql in captured:
        sql = " ".join(sql.split())
        if APPOINTMENT_INSERT.match(sql):
            sql = TIMESTAMP.sub(lambda m: f"({m.group(0)} + :n * interval '1 hour')", sql)
        elif TASK_INSERT.match(sql):
            sql = TASK_ID.sub(r"\1(gen_random_uuid()", sql)
        out.append(sql)
    return out


def replay_script(statements: list[str]) -> str:
    """A pgbench script: one transaction per run, as the booking's own (BEGIN ... COMMIT)."""
    body = "".join(f"{s};\n" for s in statements)
    return f"\\set n random(1, 2000000000)\nBEGIN;\n{body}COMMIT;\n"


def run_replay_pgbench(
    pgbench: str,
    scripts: list[str],
    *,
    host: str,
    port: int,
    user: str,
    db: str,
    clients: int,
    seconds: int,
    prepared: bool = False,
) -> RawResult:
    """pgbench over several captured bookings (one script each, drawn at random per run)."""
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, text in enumerate(scripts):
            path = Path(tmp) / f"booking_{i}.sql"
            path.write_text(text)
            files.append(f"--file={path}")
        mode = "prepared" if prepared else "simple"
        cmd = [
            pgbench,
            "--no-vacuum",
            f"--host={host}",
            f"--port={port}",
            f"--username={user}",
            f"--client={clients}",
            f"--jobs={min(clients, 2)}",
            f"--time={seconds}",
            f"--protocol={mode}",
            *files,
            db,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if out.returncode != 0:
        raise RuntimeError(f"pgbench failed ({out.returncode}): {out.stderr.strip()[-800:]}")
    tps = re.search(r"tps = ([0-9.]+)", out.stdout)
    lat = re.search(r"latency average = ([0-9.]+ ms)", out.stdout)
    if not tps:
        raise RuntimeError(f"could not read pgbench output:\n{out.stdout}")
    detail = f"pgbench -c {clients} -T {seconds} -M {mode}, {len(scripts)} bookings' scripts"
    if lat:
        detail += f", latency avg {lat.group(1)}"
    return RawResult(float(tps.group(1)), "pgbench", detail)


def run_replay_psycopg(
    dsn: str, statement_sets: list[list[str]], *, clients: int, seconds: float
) -> RawResult:
    """Fallback: `clients` threads replaying the statements, one transaction per booking."""
    counts = [0] * clients
    stop = threading.Event()
    barrier = threading.Barrier(clients + 1)

    def client(i: int) -> None:
        rnd = random.Random(i)
        with psycopg.connect(dsn) as conn:
            barrier.wait()
            k = i
            while not stop.is_set():
                n = str(rnd.randint(1, 2_000_000_000))
                with conn.transaction():
                    for sql in statement_sets[k % len(statement_sets)]:
                        conn.execute(sql.replace(":n ", f"{n} "))
                counts[i] += 1
                k += clients

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return RawResult(sum(counts) / elapsed, "psycopg", f"{clients} threads, {elapsed:.1f} s")
