"""Periodic tasks without cron: each keeps exactly one future run of itself in the queue.

A periodic task queues its next run first thing (so a worker killed mid-run leaves the chain
alive), excluding itself from the count. Apps register a starter in `AppConfig.ready()`; the
worker (`manage.py worker`) calls `start_all()` when it starts and after every reconnect,
so a chain broken by a restored backup or a flushed queue starts again by itself.
"""

from collections.abc import Callable
from datetime import timedelta

from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from carebook.core.timeutils import now as utcnow

_starters: list[Callable[[], None]] = []


def keep_queued(task: Task, *, every: timedelta, exclude: str | None = None) -> None:
    """Queue `task` to run after `every`, unless a run of it is already waiting."""
    waiting = DBTaskResult.objects.filter(task_path=task.module_path, status="READY")
    if exclude:
        waiting = waiting.exclude(pk=exclude)
    if not waiting.exists():
        task.using(run_after=utcnow() + every).enqueue()


def register(starter: Callable[[], None]) -> None:
    """`starter()` makes sure one periodic chain is queued (once, however often registered)."""
    if starter not in _starters:
        _starters.append(starter)


def start_all() -> None:
    for starter in _starters:
        starter()
