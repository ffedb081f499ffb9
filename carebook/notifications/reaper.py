"""Tasks whose worker died: a DBTaskResult left RUNNING is queued again, or failed for good.

django-tasks-db marks a task RUNNING when a worker claims it and never looks back; a worker
killed mid-task (deploy, OOM, power) would strand it. Tasks are idempotent, so running one
again is safe; one that keeps killing its workers stops after the attempt limit.
"""

from datetime import datetime, timedelta

from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from carebook.core.models import WorkerHeartbeat
from carebook.core.tasks import max_attempts
from carebook.notifications import conf

LOST = "carebook.notifications.reaper.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped before finishing it."""


def _lost(worker_ids: list[str], started_at: datetime, *, now: datetime, alive: set, beating: set):
    """Whether the worker running a task is gone: its heartbeat stopped, or (for workers
    without one) the task has run past the long timeout."""
    worker = worker_ids[-1] if worker_ids else None
    if worker in beating:
        return worker not in alive
    return started_at < now - conf.running_timeout()


def requeue_stuck(*, now: datetime) -> tuple[int, int]:
    """Queue again each task whose worker is gone; (requeued, failed) counts."""
    WorkerHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    beating = set(WorkerHeartbeat.objects.values_list("worker_id", flat=True))
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=now - conf.worker_dead_after()).values_list(
            "worker_id", flat=True
        )
    )
    stuck = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - conf.worker_dead_after()
    )
    requeued = failed = 0
    for pk, started_at, worker_ids in stuck.values_list("pk", "started_at", "worker_ids"):
        if not _lost(worker_ids, started_at, now=now, alive=alive, beating=beating):
            continue
        # Only if still the same run: the guard on started_at makes a second reaper a no-op.
        same_run = DBTaskResult.objects.filter(
            pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at
        )
        if len(worker_ids) >= max_attempts():
            failed += same_run.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=LOST,
                traceback=(
                    f"{LOST}: the task was still running {now - started_at} after it started, "
                    f"on {len(worker_ids)} workers in turn; it is not queued again.\n"
                ),
            )
        else:
            requeued += same_run.update(status=TaskResultStatus.READY, started_at=None)
    return requeued, failed
