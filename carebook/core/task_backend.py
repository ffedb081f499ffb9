"""django-tasks-db's backend, with each task row written by one constant INSERT.

Every change enqueues its outbox tasks in its own transaction (a booking enqueues three or
four); the stock backend builds each row through `objects.create`, which costs more than the
insert itself. The row, its columns, the signal and what `enqueue` returns are the stock
backend's.
"""

from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json, task_enqueued

from carebook.core.rows import row_insert


class OutboxBackend(DatabaseBackend):
    def enqueue(self, task, args, kwargs):
        # The stock backend's, except that it builds the result (an import and a copy of the
        # task) twice, once for the signal and once to return; here it is built once.
        self.validate_task(task)
        result = self._task_to_db_task(task, args, kwargs).task_result
        task_enqueued.send(type(self), task_result=result)
        return result

    def _task_to_db_task(self, task, args, kwargs):
        from django_tasks_db.models import DBTaskResult, get_date_max

        row = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            # The stock backend's pre_save handler does this; row_insert sends no signals.
            run_after=task.run_after or get_date_max(),
            backend_name=self.alias,
        )
        row_insert(row)
        return row
