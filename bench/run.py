"""carebook benchmarks: `make bench` (or `.venv/bin/python bench/run.py [--profile]`).

1. Free slots of one practitioner over 28 days with 1,000 active appointments: the selector
   (queries included) and the engine alone.            Target: p95 < 3 ms (issue #16).
2. Next free slot of 1,000 practitioners in one call.  Target: p95 < 150 ms.
   2b. the directory's first page over them (search and render, in-process): p95 < 50 ms.
3. Booking throughput, appointment_book from 2 processes x 4 threads, as a share of the
   booking's physical limit: the statements of real bookings, captured and replayed by pgbench
   (8 clients). The one-row INSERT ceiling (same exclusion constraint) is printed beside it.
                                                       Target: >= 50% of the replay;
   4b. booking POSTs over HTTP (gunicorn, 2 workers, 16 clients): >= 30% of the replay,
   measured in three segments with the replay run before, between and after them.
5. The worst requests an anonymous client can send (bench/worst_request.py), over HTTP.
                                                       Target: < 200 ms each, RSS < +20 MB.
6. Reports over 1,000,000 appointments, 200 practitioners, 5 years (bench/reports_bench.py, on
   its own kept database `carebook_bench_reports`; --no-reports skips it).
                                                       Target: each report p95 < 300 ms.
7. The directory's first page and practitioners' pages over HTTP on the demo clinic
   (bench/page_bench.py; gunicorn, 2 workers, and a task worker), at 1 and 8 clients.
                                                       Target: p95 < 60 ms at 8 clients.

Runs on a scratch PostgreSQL database `carebook_bench` (dropped and created at start); when
PostgreSQL is not reachable, 1 and 2 run on a temporary SQLite file and 3 is skipped.
These are measurements, not tests: a missed target is printed as MISS and the run still succeeds.
"""

import argparse
import atexit
import itertools
import os
import platform
import queue
import random
import shutil
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
PG_ADMIN_DSN = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"
# CAREBOOK_BENCH_DB lets several people bench on one server without dropping each other's data.
BENCH_DB = os.environ.get("CAREBOOK_BENCH_DB", "carebook_bench")

SLOTS_TARGET_P95_MS = 3.0
NEXT_TARGET_P95_MS = 150.0
DIRECTORY_TARGET_P95_MS = 50.0
PROCESSES_TARGET = 0.50  # of the replay: appointment_book, 2 processes x 4 threads
HTTP_TARGET = 0.30  # of the replay: POST /api/v1/appointments, 16 clients
STATEMENTS_TARGET = 9  # in one booking's transaction
CAPTURED = 32  # bookings captured for the replay (distinct practitioners)
WORKERS = 8


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slots-runs", type=int, default=200)
    parser.add_argument("--next-runs", type=int, default=20)
    parser.add_argument("--practitioners", type=int, default=1000)
    parser.add_argument("--book-seconds", type=float, default=15.0)
    parser.add_argument("--raw-seconds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20310303)
    parser.add_argument(
        "--no-extra",
        dest="extra",
        action="store_false",
        help="skip the informational booking runs (1 thread)",
    )
    parser.add_argument(
        "--only-booking",
        action="store_true",
        help="run only the booking benchmarks (3 and 4): capture, replay, processes, HTTP",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile each benchmark and print hot spots"
    )
    parser.add_argument(
        "--no-reports",
        dest="reports",
        action="store_false",
        help="skip 6, the reports at clinic-group scale (its data takes minutes to build once)",
    )
    parser.add_argument("--reports-rebuild", action="store_true", help="build the data of 6 again")
    parser.add_argument(
        "--client-binding",
        action="store_true",
        help="bind parameters in psycopg, so nothing is prepared, as behind a transaction-mode "
        "pooler (CAREBOOK_DB_SERVER_SIDE_BINDING=0; 3 always measures it for reference)",
    )
    return parser.parse_args()


def choose_database() -> tuple[str, str | None]:
    """Drop and create carebook_bench on PostgreSQL; fall back to a temporary SQLite file.

    Returns the DATABASE_URL and, for the fallback, why PostgreSQL was not used.
    """
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
        return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{BENCH_DB}", None
    except Exception as exc:
        tmp = Path(tempfile.mkdtemp(prefix="carebook-bench-"))
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        return f"sqlite:///{tmp / 'bench.sqlite3'}", f"{type(exc).__name__}: {exc}".strip()


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carebook.settings")
    os.environ.setdefault("DEBUG", "1")  # settings need DEBUG=1 or a SECRET_KEY
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.conf import settings

    django.setup()
    # DEBUG=1 makes Django keep a log of every query: production does not, so neither do we.
    settings.DEBUG = False


def machine_info(vendor: str) -> dict[str, str]:
    import django
    from django.db import connection

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "load": "",  # filled in at the end
        "machine": f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}",
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
    }
    with connection.cursor() as cur:
        if vendor == "postgresql":
            cur.execute("SHOW server_version")
            version = cur.fetchone()[0]
            cur.execute(
                "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings "
                "WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', "
                "'max_connections')"
            )
            binding = (
                "server-side binding, prepared statements"
                if connection.features.uses_server_side_binding
                else "client-side binding"
            )
            info["database"] = f"PostgreSQL {version} ({cur.fetchone()[0]}); {binding}"
        else:
            cur.execute("SELECT sqlite_version()")
            info["database"] = f"SQLite {cur.fetchone()[0]}"
    return info


def heading(text: str) -> None:
    print(f"\n=== {text} " + "=" * max(0, 86 - len(text)), flush=True)


def queries_of(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def profile(label: str, fn, *, runs: int, top: int = 18) -> None:
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    for _ in range(runs):
        fn()
    prof.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(order).print_stats(top)
        body = out.getvalue()
        start = body.find("   ncalls")
        print(f"\n--- cProfile {label}, {runs} runs, by {order} ---")
        print(body[start:].rstrip() if start >= 0 else body)


# --- 1 ----------------------------------------------------------------------------------------


def bench_slots(single, *, runs: int, do_profile: bool) -> dict:
    from datetime import UTC, time

    from bench.dataset import NOW
    from bench.measure import time_calls
    from carebook.booking import availability
    from carebook.scheduling import engine, selectors

    def selector():
        return availability.slots_free(
            practitioner=single.practitioner,
            service=single.service,
            start_date=single.start_date,
            end_date=single.end_date,
            now=NOW,
        )

    pid = single.practitioner.pk
    span_start = datetime.combine(single.start_date - timedelta(days=2), time.min, UTC)
    span_end = datetime.combine(single.end_date + timedelta(days=2), time.min, UTC)
    windows = selectors.windows_for([pid])[pid]
    busy = availability.busy_for([pid], span_start, span_end)[pid]
    rules = selectors.rules_for([pid])[pid]
    duration = timedelta(minutes=single.service.duration_minutes)

    def engine_only():
        return engine.free_slots(
            windows=windows,
            busy=busy,
            duration=duration,
            rules=rules,
            start_date=single.start_date,
            end_date=single.end_date,
            now=NOW,
        )

    slots = selector()
    same = engine_only() == slots
    print(
        f"practitioner #{pid}: {len(windows)} weekly windows, {single.active} active "
        f"appointments + 1 time off in range ({len(busy)} busy intervals), "
        f"{single.start_date}..{single.end_date}; {len(slots)} free slots offered; "
        f"{queries_of(selector)} queries per call; engine result identical: {same}"
    )
    sel = time_calls(selector, runs=runs)
    eng = time_calls(engine_only, runs=runs)
    print(f"slots_free (selector, queries included)  {sel}")
    print(f"engine.free_slots (engine alone)          {eng}")
    if do_profile:
        profile("slots_free", selector, runs=runs)
    return {"selector": sel, "engine": eng, "slots": len(slots)}


# --- 2 ----------------------------------------------------------------------------------------


def bench_next(directory, *, runs: int, do_profile: bool) -> dict:
    from bench.dataset import NOW
    from bench.measure import time_calls
    from carebook.booking import availability

    ids = directory.practitioner_ids

    def call():
        return availability.next_free_slots(practitioner_ids=ids, now=NOW)

    result = call()
    found = [s for s in result.values() if s is not None]
    waits = sorted((s.start - NOW).total_seconds() / 3600 for s in found)
    median_wait = waits[len(waits) // 2] if waits else float("nan")
    print(
        f"{len(ids)} practitioners, {directory.windows} weekly windows, {directory.active} "
        f"active appointments; {len(found)} have a free slot (median wait {median_wait:.1f} h, "
        f"longest {waits[-1] if waits else float('nan'):.1f} h); "
        f"{queries_of(call)} queries per call"
    )
    timing = time_calls(call, runs=runs, warmup=2)
    print(f"next_free_slots (1,000 practitioners)     {timing}")
    if do_profile:
        profile("next_free_slots", call, runs=5)
    return {"timing": timing}


def bench_directory(*, runs: int) -> dict:
    """The directory's first page: search (sorted by earliest free slot) and template render."""
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from bench.dataset import NOW
    from bench.measure import time_calls
    from carebook.booking.directory import DirectoryFilters, practitioner_search
    from carebook.web.cards import card_html
    from carebook.web.forms import DirectoryForm

    request = RequestFactory().get("/practitioners/")
    request.user = AnonymousUser()

    def call():
        form = DirectoryForm()
        page, entries = practitioner_search(filters=DirectoryFilters(), page=1, now=NOW)
        return render_to_string(
            "clinic/directory.html",
            {
                "form": form,
                "page": page,
                "entries": entries,
                "cards": [card_html(entry) for entry in entries],
                "query": "",
            },
            request=request,
        )

    html = call()
    cards = html.count('class="card doc"')
    print(
        f"directory page 1 of {cards} cards rendered, "
        f"{len(html) // 1024} KiB; {queries_of(call)} queries per render"
    )
    timing = time_calls(call, runs=runs, warmup=2)
    print(f"directory search + render (1,000)         {timing}")
    return {"timing": timing}


def run_http(database_url: str, single, tasks, *, seconds: float, replay=None) -> dict:
    from django.db import connection

    from bench.http_bench import Server, bench_http
    from carebook.accounts.tokens import token_create

    tokens = {}
    for task in tasks:
        if task.patient.pk not in tokens:
            tokens[task.patient.pk] = token_create(user=task.patient, name="bench")[1]
    connection.close()
    server = Server(database_url)
    try:
        r = bench_http(
            server=server,
            single=single,
            tasks=tasks,
            tokens=tokens,
            seconds=seconds,
            replay=replay,
        )
    finally:
        server.close()
    print(f"GET slots, 28 days, 1,000 appointments: HTTP {r['slots_status']}, ", end="")
    print(f"{r['slots_count']} slots")
    print(f"  1 client                               {r['slots_1']}")
    print(
        f"  8 clients                              {r['slots_8']}   (non-200: {r['slots_8_bad']})"
    )
    print(
        f"POST /appointments, 16 clients: {r['codes']} in {r['book_elapsed']:.1f} s = "
        f"{r['book_rate']:.1f} bookings/s"
    )
    if r["replays"]:
        r["replay_around"] = replay_around(r["segments"], r["replays"])
        r["shares"] = [
            rate / ((before + after) / 2)
            for (rate, _), (before, after) in zip(
                r["segments"], itertools.pairwise(r["replays"]), strict=True
            )
        ]
        print(
            "  in segments of "
            + ", ".join(f"{s:.1f} s" for _, s in r["segments"])
            + ": "
            + ", ".join(f"{rate:.1f}/s" for rate, _ in r["segments"])
        )
        print(
            "  the replay before, between and after them: "
            + ", ".join(f"{t:.1f}" for t in r["replays"])
            + " tx/s; each segment's share of the replay around it: "
            + ", ".join(f"{x:.1%}" for x in r["shares"])
        )
    return r


def replay_around(segments: list[tuple[float, float]], replays: list[float]) -> float:
    """The replay's rate over the time of the segments: each segment's is the mean of the
    replays just before and just after it, weighted by the segment's length."""
    total = sum(seconds for _, seconds in segments)
    weighted = sum(
        seconds * (before + after) / 2
        for (_, seconds), (before, after) in zip(segments, itertools.pairwise(replays), strict=True)
    )
    return weighted / total if total else float("nan")


def store_next_free(now) -> int:
    """What the task worker keeps current, stored as of `now` (bench data is bulk-created)."""
    from carebook.booking.next_free import next_free_store
    from carebook.clinic.models import Practitioner

    return next_free_store(Practitioner.objects.values_list("pk", flat=True), now=now)


def run_worst(database_url: str, single, directory) -> dict:
    from django.db import connection

    from bench import worst_request
    from bench.http_bench import Server

    world = worst_request.bench_world(single, directory)
    store_next_free(None)  # the server runs on the real clock
    connection.close()
    server = Server(database_url, workers=2, task_worker=True)
    try:
        result = worst_request.run(server, world)
    finally:
        server.close()
    worst_request.report(result)
    return result


# --- 3 ----------------------------------------------------------------------------------------


def book(task) -> None:
    """Book one task's slot for its patient, by the patient, at the bench's fixed now."""
    from bench.dataset import NOW
    from carebook.booking.services import appointment_book

    appointment_book(
        patient=task.patient,
        practitioner=task.practitioner,
        service=task.service,
        location=task.location,
        start=task.start,
        mode="in_person",
        by=task.patient,
        now=NOW,
    )


def bench_booking(tasks, *, workers: int, seconds: float, gate=None) -> dict:
    """`workers` threads, each with its own connection, book distinct free slots until the
    time is up or the tasks run out. `gate`, if given, is called once every worker is connected
    and returns when the clock may start (used to line up several processes)."""
    from django.db import connections

    from bench.measure import summarise
    from carebook.core.errors import SlotUnavailable

    todo: queue.SimpleQueue = queue.SimpleQueue()
    for task in tasks:
        todo.put(task)
    stop = threading.Event()
    barrier = threading.Barrier(workers + 1)
    latencies: list[list[float]] = [[] for _ in range(workers)]
    refused = [0] * workers
    errors: list[str] = []

    def work(i: int) -> None:
        try:
            try:
                connections["default"].ensure_connection()
                barrier.wait(timeout=60)
            except Exception:
                barrier.abort()
                raise
            while not stop.is_set():
                try:
                    task = todo.get_nowait()
                except queue.Empty:
                    break
                t0 = time.perf_counter()
                try:
                    book(task)
                except SlotUnavailable:
                    refused[i] += 1
                    continue
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies[i].append(time.perf_counter() - t0)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,), name=f"book-{i}") for i in range(workers)]
    for t in threads:
        t.start()
    if gate is not None:
        gate()
    barrier.wait(timeout=60)
    t0 = time.perf_counter()
    deadline = t0 + seconds
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.perf_counter()))
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    booked = sum(len(x) for x in latencies)
    return {
        "booked": booked,
        "refused": sum(refused),
        "errors": errors,
        "elapsed": elapsed,
        "rate": booked / elapsed,
        "latency": summarise([d for x in latencies for d in x]) if booked else None,
    }


def _booking_child(tasks, threads, seconds, ready, go, results, client_binding) -> None:
    from django.conf import settings
    from django.db import connections

    connections.close_all()  # nothing inherited is used: the parent closed its connection
    if client_binding:
        # What CAREBOOK_DB_SERVER_SIDE_BINDING=0 sets; read by each thread's new connection.
        options = settings.DATABASES["default"].setdefault("OPTIONS", {})
        options["server_side_binding"] = False
        options.pop("prepare_threshold", None)
    ready.put(None)
    result = bench_booking(tasks, workers=threads, seconds=seconds, gate=go.wait)
    results.put((result["booked"], result["refused"], len(result["errors"]), result["elapsed"]))


def bench_booking_processes(
    tasks, *, processes: int, threads: int, seconds: float, client_binding: bool = False
) -> dict:
    """The same load from `processes` forked processes of `threads` threads each, as a web
    server with several worker processes would run it; started together, timed together.
    `client_binding`: parameters bound by psycopg, so nothing is prepared (settings' default
    binds on the server and prepares what a connection repeats)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    # Tasks are round-robin over practitioners, so each process gets its own practitioners.
    procs = [
        ctx.Process(
            target=_booking_child,
            args=(tasks[k::processes], threads, seconds, ready, go, results, client_binding),
        )
        for k in range(processes)
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=60)
    t0 = time.perf_counter()
    go.set()
    out = [results.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.perf_counter() - t0
    for proc in procs:
        proc.join()
    booked = sum(o[0] for o in out)
    return {
        "booked": booked,
        "refused": sum(o[1] for o in out),
        "errors": sum(o[2] for o in out),
        "elapsed": elapsed,
        "rate": booked / elapsed,
        "consumed": [o[0] + o[1] + o[2] for o in out],
    }


def bench_raw(database_url: str, *, prefill: int, seconds: int) -> "object":
    from bench import raw

    dsn = database_url.replace("postgres://", "postgresql://", 1)
    raw.prepare(dsn, prefill=prefill)
    pgbench = raw.find_pgbench()
    if pgbench:
        try:
            return raw.run_pgbench(
                pgbench,
                host=PG_HOST,
                port=PG_PORT,
                user=PG_USER,
                db=BENCH_DB,
                clients=WORKERS,
                seconds=seconds,
            )
        except Exception as exc:
            print(f"pgbench not usable ({exc}); using psycopg threads instead")
    else:
        print("pgbench not found; using psycopg threads instead")
    return raw.run_psycopg(dsn, clients=WORKERS, seconds=seconds)


def capture_bookings(tasks, n: int) -> list[list[str]]:
    """Book the first `n` tasks (distinct practitioners) one by one, each as it runs for real,
    and keep the statements each sent inside its transaction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from carebook.clinic.models import Clinic

    Clinic.current()  # the first booking would create the clinic's row: not a booking's cost
    captured = []
    for task in tasks[:n]:
        with CaptureQueriesContext(connection) as ctx:
            book(task)
        # BEGIN and COMMIT are logged by some backends and not others: the replay adds its own.
        captured.append(
            [q["sql"] for q in ctx.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
        )
    return captured


def bench_replay(
    database_url: str, captured: list[list[str]], *, seconds: int, prepared_too: bool = True
) -> dict:
    """The booking's physical limit: its own statements replayed by pgbench, 8 clients; also
    with prepared statements (for reference) unless not `prepared_too`."""
    from bench import raw

    statement_sets = [raw.replay_statements(c) for c in captured]
    dsn = database_url.replace("postgres://", "postgresql://", 1)
    pgbench = raw.find_pgbench()
    out = {}
    for prepared in (False, True) if prepared_too else (False,):
        key = "prepared" if prepared else "simple"
        if pgbench:
            try:
                out[key] = raw.run_replay_pgbench(
                    pgbench,
                    [raw.replay_script(s) for s in statement_sets],
                    host=PG_HOST,
                    port=PG_PORT,
                    user=PG_USER,
                    db=BENCH_DB,
                    clients=WORKERS,
                    seconds=seconds,
                    prepared=prepared,
                )
                continue
            except Exception as exc:
                print(f"pgbench replay not usable ({exc}); using psycopg threads instead")
        if prepared:
            break  # the fallback has no prepared mode
        out[key] = raw.run_replay_psycopg(dsn, statement_sets, clients=WORKERS, seconds=seconds)
    return out


def profile_booking(tasks, n: int) -> None:
    from carebook.core.errors import SlotUnavailable

    it = iter(tasks)

    def one():
        task = next(it)
        try:
            book(task)
        except SlotUnavailable:
            pass  # a neighbour's booking took its buffer: refused, as in the timed runs

    print(f"\n(one thread; {queries_of(one)} queries per booking)")
    profile("appointment_book, single thread", one, runs=n)


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    database_url, pg_problem = choose_database()
    # gunicorn inherits it too.
    os.environ["CAREBOOK_DB_SERVER_SIDE_BINDING"] = "0" if args.client_binding else "1"
    setup_django(database_url)

    from django.core.management import call_command
    from django.db import connection

    from bench import dataset, worst_request
    from bench.measure import verdict

    vendor = connection.vendor
    heading("setup")
    if pg_problem:
        print(f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT} ({pg_problem}).")
        print(f"Benchmarks 1 and 2 run on a temporary SQLite file; 3 is skipped. ({database_url})")
    else:
        print(f"PostgreSQL database {BENCH_DB} dropped and created.")
    import carebook

    print(f"code under test: {Path(carebook.__file__).parent}")
    try:
        call_command("makemigrations", check=True, dry_run=True, verbosity=0)
    except SystemExit:
        print(
            "The models have changes without a migration (`manage.py makemigrations --check`"
            " fails), so the bench cannot build its tables. Add the migration and run again."
        )
        return 2
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - t:.1f} s")
    rng = random.Random(args.seed)
    t = time.perf_counter()
    single = dataset.build_single(rng)
    directory = dataset.build_directory(rng, practitioners=args.practitioners)
    if vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(
        f"data created in {time.perf_counter() - t:.1f} s: "
        f"{dataset.count_active()} active appointments in all; fixed now = {dataset.NOW}"
    )
    info = machine_info(vendor)
    t = time.perf_counter()
    stored = store_next_free(dataset.NOW)
    print(f"next free start and days stored for {stored} in {time.perf_counter() - t:.1f} s")

    if not args.only_booking:
        heading("1. free slots of one practitioner, 28 days, 1,000 active appointments")
        r1 = bench_slots(single, runs=args.slots_runs, do_profile=args.profile)

        heading("2. next free slot of 1,000 practitioners")
        r2 = bench_next(directory, runs=args.next_runs, do_profile=args.profile)

        heading("2b. the directory page over 1,000 practitioners")
        r2b = bench_directory(runs=args.next_runs)

    r3 = raw_result = r4 = replay = procs = None
    extra: dict[str, float] = {}
    heading(f"3. booking throughput, {WORKERS} concurrent workers")
    if vendor != "postgresql":
        print("SKIPPED: needs PostgreSQL (the exclusion constraint and row locks are under test).")
    else:
        t = time.perf_counter()
        tasks = dataset.booking_tasks(directory)
        before = dataset.count_active(directory.practitioner_ids)
        print(
            f"{len(tasks)} distinct free slots queued across {len(directory.practitioner_ids)} "
            f"practitioners (prepared in {time.perf_counter() - t:.1f} s)"
        )
        captured = capture_bookings(tasks, CAPTURED)
        tasks = tasks[CAPTURED:]
        statements = len(captured[0])
        print(f"one booking sends {statements} statements in its transaction (+ BEGIN, COMMIT):")
        for sql in captured[0]:
            print(f"    {' '.join(sql.split())[:100]}")
        connection.close()
        r3 = bench_booking(tasks, workers=WORKERS, seconds=args.book_seconds)
        left = tasks[r3["booked"] + r3["refused"] + len(r3["errors"]) :]
        after = dataset.count_active(directory.practitioner_ids)
        print(
            f"appointment_book, {WORKERS} threads in one process: {r3['booked']} booked in "
            f"{r3['elapsed']:.1f} s = {r3['rate']:.1f} bookings/s; refused {r3['refused']}, "
            f"errors {len(r3['errors'])}; active appointments grew by {after - before}"
        )
        if r3["latency"]:
            print(f"  latency per booking under load         {r3['latency']}")
        for err in sorted(set(r3["errors"]))[:5]:
            print(f"  error: {err}")
        if args.extra:
            connection.close()
            one = bench_booking(left, workers=1, seconds=args.book_seconds / 2)
            left = left[one["booked"] + one["refused"] + len(one["errors"]) :]
            extra["1 thread"] = one["rate"]
            print(
                f"  for comparison, 1 thread: {one['booked']} booked = {one['rate']:.1f} "
                f"bookings/s, latency {one['latency']}"
            )
        connection.close()
        procs = bench_booking_processes(
            left, processes=2, threads=WORKERS // 2, seconds=args.book_seconds
        )
        left = left[0::2][procs["consumed"][0] :]
        print(
            f"appointment_book, 2 processes x {WORKERS // 2} threads: {procs['booked']} "
            f"booked in {procs['elapsed']:.1f} s = {procs['rate']:.1f} bookings/s; "
            f"refused {procs['refused']}, errors {procs['errors']}"
        )
        unprepared = bench_booking_processes(
            left, processes=2, threads=WORKERS // 2, seconds=args.book_seconds, client_binding=True
        )
        left = left[0::2][unprepared["consumed"][0] :]
        print(
            f"the same with client-side binding (nothing prepared): {unprepared['booked']} "
            f"booked in {unprepared['elapsed']:.1f} s = {unprepared['rate']:.1f} bookings/s; "
            f"refused {unprepared['refused']}, errors {unprepared['errors']}"
        )
        after = dataset.count_active(directory.practitioner_ids)
        replay = bench_replay(database_url, captured, seconds=args.raw_seconds)
        for key, result in replay.items():
            print(f"replay of its statements, {key}: {result.tps:.1f} tx/s ({result.detail})")
        raw_result = bench_raw(database_url, prefill=after, seconds=args.raw_seconds)
        print(
            f"raw INSERT ceiling ({raw_result.tool}): {raw_result.tps:.1f} tx/s "
            f"({raw_result.detail})"
        )
        # A replay that could not run measures nothing: every share is then a MISS, not a crash.
        limit = replay["simple"].tps or float("nan")
        print(
            f"share of the replay: 2 processes {procs['rate'] / limit:.1%} "
            f"({unprepared['rate'] / limit:.1%} with client-side binding); "
            f"8 threads in 1 process {r3['rate'] / limit:.1%}"
        )

        heading("4. the REST API over HTTP (gunicorn, 2 workers)")
        store_next_free(None)  # the server runs on the real clock
        # The POSTs are measured against the replay around them (before, between and after
        # three segments), not the one above: the replay's rate moves by 10-27% in the minute
        # between the two (the tables grow; a virtual machine drifts), and the share carried
        # both errors.
        bracket = max(2, args.raw_seconds // 2)

        def replay_now() -> float:
            return bench_replay(database_url, captured, seconds=bracket, prepared_too=False)[
                "simple"
            ].tps

        r4 = run_http(
            database_url,
            single,
            left[len(left) // 2 :],
            seconds=args.book_seconds,
            replay=replay_now,
        )
        r4["ratio"] = r4["book_rate"] / (r4["replay_around"] or float("nan"))
        r4["ratio_first"] = r4["book_rate"] / limit
        if args.profile:
            profile_booking(left, 200)

    r5 = r6 = None
    if not args.only_booking:
        heading("5. the worst requests an anonymous client can send (gunicorn, 2 workers)")
        r5 = run_worst(database_url, single, directory)

    if args.reports and not args.only_booking:
        from bench import reports_bench

        heading("6. reports over 1,000,000 appointments, 200 practitioners, 5 years")
        r6 = reports_bench.run(rebuild=args.reports_rebuild)

    r7 = None
    if not args.only_booking and vendor == "postgresql":
        from bench import page_bench

        heading("7. the directory and practitioner pages over HTTP, on the demo clinic")
        t = time.perf_counter()
        pages_url = page_bench.prepare()
        print(f"demo clinic migrated and seeded in {time.perf_counter() - t:.1f} s")
        r7 = page_bench.measure(pages_url)
        page_bench.report(r7)

    heading("summary")
    # Only the start is telling: benchmark 3 itself keeps both cores busy.
    info["load"] = f"1-min load average {load_start:.2f} before the bench started"
    if load_start > 0.5 * (os.cpu_count() or 1):
        info["load"] += "  (other work was running: numbers are pessimistic)"
    for key, value in info.items():
        print(f"{key:>9}: {value}")
    rows = (
        []
        if args.only_booking
        else [
            (
                "1. slots_free, 1 practitioner, 28 d, 1,000 appts",
                f"median {r1['selector'].median_ms:.2f} ms, p95 {r1['selector'].p95_ms:.2f} ms",
                f"p95 < {SLOTS_TARGET_P95_MS:g} ms",
                verdict(r1["selector"].p95_ms < SLOTS_TARGET_P95_MS),
            ),
            (
                "   engine.free_slots alone",
                f"median {r1['engine'].median_ms:.2f} ms, p95 {r1['engine'].p95_ms:.2f} ms",
                "(for reference)",
                "",
            ),
            (
                "2. next_free_slots, 1,000 practitioners",
                f"median {r2['timing'].median_ms:.1f} ms, p95 {r2['timing'].p95_ms:.1f} ms",
                f"p95 < {NEXT_TARGET_P95_MS:g} ms",
                verdict(r2["timing"].p95_ms < NEXT_TARGET_P95_MS),
            ),
            (
                "2b. directory search + render, 1,000",
                f"median {r2b['timing'].median_ms:.1f} ms, p95 {r2b['timing'].p95_ms:.1f} ms",
                f"p95 < {DIRECTORY_TARGET_P95_MS:g} ms",
                verdict(r2b["timing"].p95_ms < DIRECTORY_TARGET_P95_MS),
            ),
        ]
    )
    if r3 is None:
        rows.append(("3. booking throughput", "skipped (no PostgreSQL)", "", "SKIP"))
    else:
        limit = replay["simple"].tps or float("nan")

        def share(rate: float) -> str:
            return f"{rate:.1f} bookings/s = {rate / limit:.1%} of the replay"

        rows += [
            (
                "3. statements in one booking's transaction",
                f"{statements} (+ BEGIN, COMMIT)",
                f"<= {STATEMENTS_TARGET}",
                verdict(statements <= STATEMENTS_TARGET),
            ),
            (
                f"   replay of those statements, {WORKERS} clients",
                f"{limit:.1f} tx/s ({replay['simple'].tool})",
                "(the physical limit)",
                "",
            ),
        ]
        if "prepared" in replay:
            rows.append(
                (
                    "   the replay with prepared statements",
                    f"{replay['prepared'].tps:.1f} tx/s",
                    "(for reference)",
                    "",
                )
            )
        rows += [
            (
                f"   raw one-row INSERT + exclusion, {WORKERS} clients",
                f"{raw_result.tps:.1f} tx/s ({raw_result.tool})",
                "(for reference)",
                "",
            ),
            (
                f"   appointment_book, 2 processes x {WORKERS // 2} threads",
                share(procs["rate"]),
                f">= {PROCESSES_TARGET:.0%}",
                verdict(procs["rate"] / limit >= PROCESSES_TARGET),
            ),
            (
                "   the same, client-side binding",
                share(unprepared["rate"]),
                "(for reference)",
                "",
            ),
            (
                f"   appointment_book, {WORKERS} threads, 1 process",
                share(r3["rate"]),
                "(for reference)",
                "",
            ),
        ]
        for label, rate in extra.items():
            rows.append((f"   appointment_book, {label}", share(rate), "(for reference)", ""))
    if r4 is not None:
        rows += [
            (
                "4. API slots over HTTP, 1 client",
                f"p50 {r4['slots_1'].median_ms:.1f} ms, p95 {r4['slots_1'].p95_ms:.1f} ms",
                "p95 < 25 ms",
                verdict(r4["slots_1"].p95_ms < 25),
            ),
            (
                "   API slots over HTTP, 8 clients",
                f"p50 {r4['slots_8'].median_ms:.1f} ms, p95 {r4['slots_8'].p95_ms:.1f} ms",
                "p95 < 80 ms",
                verdict(r4["slots_8"].p95_ms < 80),
            ),
            (
                "4b. API booking POSTs, 16 clients",
                f"{r4['book_rate']:.1f} /s = {r4['ratio']:.1%} of the replay around them",
                f">= {HTTP_TARGET:.0%}",
                verdict(r4["ratio"] >= HTTP_TARGET),
            ),
            (
                "   the replay around them; each segment's share",
                f"{r4['replay_around']:.1f} tx/s; " + " / ".join(f"{x:.1%}" for x in r4["shares"]),
                "(reference)",
                "",
            ),
            (
                "   the POSTs as a share of the replay in 3.",
                f"{r4['ratio_first']:.1%} (measured a minute earlier)",
                "(machine drift)",
                "",
            ),
        ]
    if r5 is not None:
        rows += [
            (
                "5. worst anonymous request, slowest answer",
                f"{r5['max_ms']:.0f} ms (worker CPU {r5['max_cpu_ms']:.0f} ms)",
                f"< {worst_request.MAX_LATENCY_MS:g} ms",
                verdict(r5["max_ms"] < worst_request.MAX_LATENCY_MS),
            ),
            (
                "   worker RSS growth over them",
                f"{r5['growth_mb']:.1f} MB",
                f"< {worst_request.MAX_RSS_GROWTH_MB:g} MB",
                verdict(r5["growth_mb"] < worst_request.MAX_RSS_GROWTH_MB),
            ),
            (
                "   /healthz while both workers are busy",
                f"max {r5['healthz_ms']:.0f} ms",
                f"< {worst_request.MAX_LATENCY_MS:g} ms",
                verdict(r5["healthz_ms"] < worst_request.MAX_LATENCY_MS),
            ),
        ]
    if r6 is not None:
        from bench import reports_bench

        rows += reports_bench.summary_rows(r6)
    if r7 is not None:
        from bench import page_bench

        rows += page_bench.summary_rows(r7)
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("benchmark", "measured", "target", "result")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    print(line)
    for i, row in enumerate([header, *rows]):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            print(line)
    print(line)
    print(f"total bench time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
