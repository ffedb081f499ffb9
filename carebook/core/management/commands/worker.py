"""The task worker: django-tasks-db's, kept up through database restarts, with a heartbeat.

`manage.py worker` runs the database worker in a loop that never exits on a connection error:
it waits with a growing backoff (1 s doubling to 30 s), reconnects, puts back the task it was
running when the database went away, restarts the periodic chains, and goes on. A thread
writes this worker's heartbeat every few seconds, so the reaper can requeue the tasks of a
worker that died (kill -9, OOM, power) within a minute. SIGTERM and SIGINT stop it cleanly
(the current task finishes first); a supervisor (systemd, the Procfile's manager, `make run`)
restarts it if it dies anyway.
"""

import logging
import os
import socket
import threading
import time

from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from carebook.core import periodic
from carebook.core.models import WorkerHeartbeat
from carebook.core.tasks import setting
from carebook.core.timeutils import now as utcnow

logger = logging.getLogger("carebook.worker")

LOST = (OperationalError, InterfaceError)
MAX_BACKOFF_SECONDS = 30.0


def heartbeat_seconds() -> float:
    return float(setting("CAREBOOK_WORKER_HEARTBEAT_SECONDS", 5))


class Heartbeat(threading.Thread):
    """Writes this worker's heartbeat row until stopped (its own database connection)."""

    def __init__(self, worker_id: str):
        super().__init__(name="heartbeat", daemon=True)
        self.worker_id = worker_id
        self.started_at = utcnow()
        self.stop = threading.Event()

    def beat(self) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "seen_at": utcnow(),
            },
        )

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                close_old_connections()
                self.beat()
            except LOST:
                connections.close_all()  # this thread's; the main loop logs the outage
            self.stop.wait(heartbeat_seconds())
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except LOST:
            pass
        finally:
            connections.close_all()


def requeue_own(worker_id: str) -> int:
    """Put back the tasks this worker was running when the database went away."""
    mine = [
        pk
        for pk, ids in DBTaskResult.objects.filter(status="RUNNING").values_list("pk", "worker_ids")
        if ids and ids[-1] == worker_id
    ]
    return DBTaskResult.objects.filter(pk__in=mine, status="RUNNING").update(
        status="READY", started_at=None
    )


class Command(BaseCommand):
    help = "Run the background task worker; it survives database restarts (see docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument("--queue-name", default="default")

    def handle(self, *args, interval: float, queue_name: str, **options):
        worker_id = f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"
        heartbeat = Heartbeat(worker_id)
        heartbeat.start()
        worker = Worker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=False,
            backend_name="default",
            startup_delay=True,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        backoff = 1.0
        down_since = None
        try:
            while worker.running:
                try:
                    close_old_connections()
                    if down_since is not None:
                        requeued = requeue_own(worker_id)
                        logger.warning(
                            "Database reachable again after %.0f s; %d task(s) put back.",
                            time.monotonic() - down_since,
                            requeued,
                        )
                        down_since, backoff = None, 1.0
                    periodic.start_all()
                    worker.run()
                except LOST as exc:
                    if down_since is None:
                        down_since = time.monotonic()
                        logger.error("Database unavailable; retrying with backoff: %s", exc)
                    worker.running_task = False
                    connections.close_all()
                    time.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            heartbeat.stop.set()
            heartbeat.join(timeout=5)
