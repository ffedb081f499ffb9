"""Booking's background work: the stored next free starts, and ending what waited too long."""

from datetime import timedelta

from django_tasks import TaskContext, task

from carebook.booking import next_free
from carebook.booking.services import holds_expire, requests_expire
from carebook.core.periodic import keep_queued
from carebook.core.tasks import retried, setting
from carebook.core.timeutils import now as utcnow

SWEEP_PATH = "carebook.booking.tasks.next_free_sweep"


def sweep_interval() -> timedelta:
    return timedelta(seconds=float(setting("CAREBOOK_NEXT_FREE_SWEEP_SECONDS", 30)))


def sweep_batch() -> int:
    return int(setting("CAREBOOK_NEXT_FREE_SWEEP_BATCH", 500))


def next_free_changed(practitioner_ids) -> None:
    """Something that can move these practitioners' next free start changed: recompute it.

    Call inside the changing transaction; the task row commits (or not) with the change.
    """
    ids = sorted({int(pid) for pid in practitioner_ids if pid is not None})
    if ids:
        next_free_refresh.enqueue(practitioner_ids=ids)


def ensure_sweep_scheduled(*, exclude: str | None = None) -> None:
    """Keep one sweep in the queue, so values that time makes stale are recomputed."""
    keep_queued(next_free_sweep, every=sweep_interval(), exclude=exclude)


def expiry_interval() -> timedelta:
    return timedelta(seconds=float(setting("CAREBOOK_EXPIRY_SWEEP_SECONDS", 30)))


def ensure_expiry_scheduled(*, exclude: str | None = None) -> None:
    """Keep one run of `expire_due` in the queue."""
    keep_queued(expire_due, every=expiry_interval(), exclude=exclude)


@task()
@retried
def next_free_refresh(practitioner_ids: list[int], attempt: int = 1) -> str:
    """Recompute the stored next free start of these practitioners (safe to run again)."""
    ensure_sweep_scheduled()
    return f"refreshed {next_free.next_free_store(practitioner_ids)}"


@task(takes_context=True)
def next_free_sweep(context: TaskContext) -> str:
    """Recompute the values time has made stale (and fill missing ones), then run again later."""
    # The next run is queued first: a worker killed right here still leaves the chain alive.
    ensure_sweep_scheduled(exclude=context.task_result.id)
    stale = next_free.next_free_stale(now=utcnow(), limit=sweep_batch())
    return f"refreshed {next_free.next_free_store(stale)}"


@task(takes_context=True)
def expire_due(context: TaskContext) -> str:
    """End holds past their time and requests undecided by the clinic's deadline."""
    ensure_expiry_scheduled(exclude=context.task_result.id)
    now = utcnow()
    return f"holds {holds_expire(now=now)}, requests {requests_expire(now=now)}"
