"""The task worker stays up through database outages, and a dead worker's tasks come back fast."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from carebook.core import periodic
from carebook.core.management.commands import worker as worker_command
from carebook.core.models import WorkerHeartbeat
from carebook.notifications import reaper
from carebook.notifications.tasks import reap_stuck_tasks

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def running_task(worker_id: str, *, started: datetime) -> DBTaskResult:
    with time_machine.travel(started, tick=False):
        reap_stuck_tasks.enqueue()
    row = DBTaskResult.objects.get()
    DBTaskResult.objects.filter(pk=row.pk).update(
        status="RUNNING", started_at=started, worker_ids=[worker_id]
    )
    return row


def beat(worker_id: str, seen: datetime) -> None:
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, host="h", pid=1, started_at=seen, seen_at=seen
    )


def test_a_task_of_a_worker_whose_heartbeat_stopped_is_requeued_within_a_minute():
    task = running_task("dead", started=NOW - timedelta(seconds=45))
    beat("dead", NOW - timedelta(seconds=40))
    assert reaper.requeue_stuck(now=NOW) == (1, 0)
    task.refresh_from_db()
    assert task.status == "READY"


def test_a_live_workers_long_task_is_left_alone():
    task = running_task("alive", started=NOW - timedelta(minutes=20))
    beat("alive", NOW - timedelta(seconds=3))
    assert reaper.requeue_stuck(now=NOW) == (0, 0)
    task.refresh_from_db()
    assert task.status == "RUNNING"


def test_the_worker_waits_out_a_database_outage_and_puts_its_task_back(monkeypatch):
    """The database goes away under Worker.run, stays away one more try, then comes back."""
    calls, sleeps, started, put_back = [], [], [], []
    monkeypatch.setattr(worker_command.time, "sleep", sleeps.append)
    monkeypatch.setattr(periodic, "start_all", lambda: started.append(1))
    monkeypatch.setattr(worker_command.Heartbeat, "start", lambda self: None)
    monkeypatch.setattr(worker_command.Heartbeat, "join", lambda self, timeout=None: None)
    monkeypatch.setattr(db_worker.Worker, "configure_signals", lambda self: None)

    def requeue_own(worker_id):
        put_back.append(worker_id)
        if len(put_back) == 1:
            raise OperationalError("could not connect to server: Connection refused")
        return 1

    def run(self):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        self.running = False

    monkeypatch.setattr(worker_command, "requeue_own", requeue_own)
    monkeypatch.setattr(db_worker.Worker, "run", run)
    call_command("worker")
    assert sleeps == [1.0, 2.0]  # a growing backoff, and no exit
    assert len(calls) == 2 and len(put_back) == 2  # its task put back once the database was up
    assert len(started) == 2  # the periodic chains started again after reconnecting


def test_requeue_own_puts_back_only_this_workers_running_tasks():
    mine = running_task("me", started=NOW)
    with time_machine.travel(NOW, tick=False):
        reap_stuck_tasks.enqueue()
    theirs = DBTaskResult.objects.exclude(pk=mine.pk).get()
    DBTaskResult.objects.filter(pk=theirs.pk).update(
        status="RUNNING", started_at=NOW, worker_ids=["me", "other"]
    )
    assert worker_command.requeue_own("me") == 1
    assert DBTaskResult.objects.get(pk=mine.pk).status == "READY"
    assert DBTaskResult.objects.get(pk=theirs.pk).status == "RUNNING"


def test_the_heartbeat_row_is_written():
    heartbeat = worker_command.Heartbeat("w-1")
    heartbeat.beat()
    assert WorkerHeartbeat.objects.get().worker_id == "w-1"
