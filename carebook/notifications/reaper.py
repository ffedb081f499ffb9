"""Tasks whose worker died: a DBTaskResult left RUNNING is queued again, or failed for good.

django-tasks-db marks a task RUNNING when a worker claims it and never looks back; a worker
killed mid-task (deploy, OOM, power) would strand it. Tasks are idempotent, so running one
again is safe; one that keeps killing its workers stops after the attempt limit.
"""

from datetime import datetime

from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from carebook.core.tasks import max_attempts
from carebook.notifications import conf

LOST = "carebook.notifications.reaper.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped before finishing it."""


def requeue_stuck(*, now: datetime) -> tuple[int, int]:
    """Queue again each task RUNNING since before the timeout; (requeued, failed) counts."""
    cutoff = now - conf.running_timeout()
    stuck = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    requeued = failed = 0
    for pk, started_at, worker_ids in stuck.values_list("pk", "started_at", "worker_ids"):
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
