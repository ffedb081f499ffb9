"""Test helper: run the task worker in the test's process and transaction."""

from unittest import mock

from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult


def run_worker(*, allow_failures: bool = False) -> list[DBTaskResult]:
    """Run `db_worker --batch` in this process: every task that is due, then return.

    Returns the results that failed during this run.
    """
    before = set(DBTaskResult.objects.failed().values_list("pk", flat=True))
    worker = db_worker.Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    # The worker closes stale connections between tasks; inside a test transaction it must not.
    with mock.patch.object(db_worker, "close_old_connections"):
        worker.run()
    failed = list(DBTaskResult.objects.failed().exclude(pk__in=before))
    if not allow_failures:
        assert not failed, [f.traceback for f in failed]
    return failed
