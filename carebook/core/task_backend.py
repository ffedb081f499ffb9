"""django-tasks-db's backend, with task rows written by constant INSERTs.

Every change enqueues its outbox tasks in its own transaction (a booking enqueues three or
four); the stock backend builds each row through `objects.create`, which costs more than the
insert itself. Here each row is written by SQL built once, and the tasks enqueued inside
`outbox_batch` (a domain event's handlers) by one INSERT when it ends. The rows, their
columns, the signal and what `enqueue` returns are the stock backend's.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued

from carebook.core.rows import row_insert, rows_insert

_batch: ContextVar[list | None] = ContextVar("outbox_batch", default=None)


@contextmanager
def outbox_batch():
    """Write the task rows enqueued inside in one INSERT when the block ends without an
    error, still inside the caller's transaction (a block that fails writes none: its
    transaction is failing). Nested blocks join the outermost one.

    Until then the rows are not in the database: code inside the block must not look for
    them (no handler of a domain event does; `core.periodic.keep_queued`, which looks for a
    waiting run, is never called from one).
    """
    if _batch.get() is not None:
        yield
        return
    pending: list = []
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
    if pending:
        rows_insert([row for row, _result, _backend in pending])
        for _row, result, backend in pending:
            task_enqueued.send(type(backend), task_result=result)


class OutboxBackend(DatabaseBackend):
    def enqueue(self, task, args, kwargs):
        # The stock backend's, except that it builds the result (an import and a copy of the
        # task) twice, once for the signal and once to return; here it is built once.
        self.validate_task(task)
        row = self._row(task, args, kwargs)
        pending = _batch.get()
        if pending is not None:
            result = row.task_result
            pending.append((row, result, self))  # written, and announced, when the batch ends
            return result
        row_insert(row)
        result = row.task_result  # after the insert, which stamps `enqueued_at`
        task_enqueued.send(type(self), task_result=result)
        return result

    def _row(self, task, args, kwargs):
        """The task's row, not yet written (the stock backend's `_task_to_db_task` writes it).

        Stamped as enqueued now: `rows_insert` keeps the stamp, `row_insert` stamps it again.
        """
        from django_tasks_db.models import DBTaskResult, get_date_max

        row = DBTaskResult(
            id=self._get_id(),
            enqueued_at=timezone.now(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            # The stock backend's pre_save handler does this; row_insert sends no signals.
            run_after=task.run_after or get_date_max(),
            backend_name=self.alias,
        )
        return row
