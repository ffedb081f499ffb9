"""The public pages over HTTP on the demo clinic: the directory's first page and practitioners'
pages, served by gunicorn (2 workers, a task worker beside them), at 1 and 8 clients.

Target (issue #16): p95 < 60 ms at 8 clients, for each page. Runs on its own database
`carebook_bench_pages` (CAREBOOK_BENCH_DB + `_pages`), dropped, migrated and seeded with
`manage.py seed_demo` each run.
`.venv/bin/python bench/page_bench.py` runs it alone (`--reuse`: on the database an earlier run
seeded); `bench/run.py` runs it as benchmark 7. Each measurement also prints the CPU time per
request of the web workers, the database's server processes, the task worker and the clients
(Linux /proc; PostgreSQL on this machine): with 8 clients on 2 cores, the latency follows it.
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.http_bench import Server  # noqa: E402 - after the path is set
from bench.measure import Timing, summarise  # noqa: E402

# Beside bench/run.py's own database (CAREBOOK_BENCH_DB), so that benches never share data.
PAGES_DB = os.environ.get("CAREBOOK_BENCH_DB", "carebook_bench") + "_pages"
PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_P95_MS = 60.0
CLIENTS = (1, 8)
WARMUP = 20


def prepare(database: str = PAGES_DB) -> str:
    """Drop and create `database`, migrate it, seed the demo clinic and run the tasks the
    seeding queued; returns its URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")
    url = f"postgres://postgres@127.0.0.1:5432/{database}"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "LOG_LEVEL": "WARNING"}
    # The seed's own tasks (rollups, next free refreshes: some 700) run before timing starts,
    # or the task worker would spend a core on them through the measurement.
    for command in (
        ["migrate"],
        ["seed_demo"],
        ["refresh_next_free"],
        ["db_worker", "--batch", "--no-startup-delay"],
    ):
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "manage.py", *command, "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return url


def _cpu_seconds(pids: list[int]) -> float | None:
    """User and system CPU these processes have used (Linux /proc), or None if unreadable."""
    total = 0
    try:
        for pid in pids:
            # pid (comm) state ppid ...: comm may hold spaces, so split after it.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    except (OSError, IndexError, ValueError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


def _database_backends(database_url: str) -> list[int]:
    """The PostgreSQL server processes serving `database_url` (this machine's, on loopback)."""
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s",
            (database_url.rsplit("/", 1)[1],),
        ).fetchall()
    return [pid for (pid,) in rows]


def _processes(server: Server, database_url: str) -> dict[str, list[int]]:
    return {
        "web": server.worker_pids(),
        "db": _database_backends(database_url),
        "tasks": [server.tasks.pid] if server.tasks else [],
    }


def _drive(server: Server, paths: list[str], *, clients: int, per_client: int, processes=None):
    """`clients` threads each GET `per_client` of `paths` in turn; latencies and non-200s, and
    the CPU milliseconds per request of each of `processes` ({name: pids}) and of the clients."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    bad = [0] * clients
    barrier = threading.Barrier(clients)

    def run(i: int) -> None:
        conn = server.connection()
        barrier.wait()
        try:
            for n in range(per_client):
                path = paths[(i + n * clients) % len(paths)]
                t = time.perf_counter()
                status, _ = server.request("GET", path, conn=conn)
                latencies[i].append(time.perf_counter() - t)
                bad[i] += status != 200
        finally:
            conn.close()

    processes = {**(processes or {}), "clients": [os.getpid()]}
    before = {name: _cpu_seconds(pids) for name, pids in processes.items()}
    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    requests = clients * per_client
    cpu = {}
    for name, pids in processes.items():
        after = _cpu_seconds(pids)
        if before[name] is not None and after is not None:
            cpu[name] = (after - before[name]) * 1000 / requests
    return {"timing": summarise([x for xs in latencies for x in xs]), "bad": sum(bad), "cpu": cpu}


def measure(database_url: str, *, per_client: int = 40) -> dict[str, dict[int, dict]]:
    """{page: {clients: {"timing": Timing, "bad": int}}} for the directory and practitioners."""
    server = Server(database_url, workers=2, task_worker=True)
    try:
        status, body = server.request("GET", "/practitioners/")
        if status != 200:
            raise RuntimeError(f"GET /practitioners/ answered {status}")
        ids = list(dict.fromkeys(re.findall(rb'href="/practitioners/(\d+)/"', body)))
        pages = {
            "directory": ["/practitioners/"],
            "practitioner": [f"/practitioners/{int(pk)}/" for pk in ids],
        }
        results: dict[str, dict[int, dict]] = {}
        for name, paths in pages.items():
            _drive(server, paths, clients=2, per_client=WARMUP)
            # After the warm-up: every worker has its database connection by now.
            processes = _processes(server, database_url)
            results[name] = {
                clients: _drive(
                    server, paths, clients=clients, per_client=per_client, processes=processes
                )
                for clients in CLIENTS
            }
        results["practitioners"] = len(ids)
        return results
    finally:
        server.close()


def report(results: dict) -> None:
    print(f"demo clinic: the directory's first page lists {results['practitioners']} practitioners")
    for name in ("directory", "practitioner"):
        for clients, r in results[name].items():
            label = f"GET {name} page, {clients} client{'s' if clients > 1 else ''}"
            print(f"  {label:<38} {r['timing']}   (non-200: {r['bad']})")
            if r["cpu"]:
                parts = ", ".join(f"{who} {ms:.1f}" for who, ms in r["cpu"].items())
                print(f"  {'':<38} CPU ms per request: {parts}")


def summary_rows(results: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for name in ("directory", "practitioner"):
        timing: Timing = results[name][max(CLIENTS)]["timing"]
        ok = timing.p95_ms < TARGET_P95_MS and not results[name][max(CLIENTS)]["bad"]
        rows.append(
            (
                f"7. {name} page over HTTP, demo, {max(CLIENTS)} clients",
                f"p50 {timing.median_ms:.1f} ms, p95 {timing.p95_ms:.1f} ms",
                f"p95 < {TARGET_P95_MS:g} ms",
                "PASS" if ok else "MISS",
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=PAGES_DB, help="scratch database (dropped!)")
    parser.add_argument("--per-client", type=int, default=40)
    parser.add_argument(
        "--reuse", action="store_true", help="the database as an earlier run left it (no reseed)"
    )
    args = parser.parse_args()
    t = time.perf_counter()
    if args.reuse:
        url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    else:
        url = prepare(args.database)
        print(f"{args.database}: migrated and seeded in {time.perf_counter() - t:.1f} s")
    results = measure(url, per_client=args.per_client)
    report(results)
    for row in summary_rows(results):
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
