"""Tasks enqueued inside `outbox_batch` (every domain event's handlers) are written by one
INSERT when it ends, as the rows `enqueue` writes alone; a failing block writes none."""

from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks import task
from django_tasks.signals import task_enqueued
from django_tasks_db.models import DBTaskResult

from carebook.core import events
from carebook.core.task_backend import outbox_batch
from carebook.core.tests.tasks import run_worker

pytestmark = pytest.mark.django_db

done: list[int] = []


@task()
def note(n: int) -> int:
    done.append(n)
    return n


def _inserts(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("INSERT")]


def test_a_batch_writes_its_tasks_in_one_insert_and_they_run():
    done.clear()
    announced = []

    def on_enqueued(sender, task_result, **kwargs):
        announced.append((task_result.id, DBTaskResult.objects.filter(pk=task_result.id).exists()))

    task_enqueued.connect(on_enqueued)
    try:
        with CaptureQueriesContext(connection) as queries, outbox_batch():
            results = [note.enqueue(n) for n in (1, 2, 3)]
            with outbox_batch():  # a nested block joins the outer one
                results.append(note.enqueue(4))
            assert not DBTaskResult.objects.exists()
    finally:
        task_enqueued.disconnect(on_enqueued)
    assert len(_inserts(queries)) == 1
    # Announced once each, after the row exists, as the stock backend does.
    assert announced == [(r.id, True) for r in results]
    run_worker()
    assert sorted(done) == [1, 2, 3, 4]
    assert [r.refresh() or r.return_value for r in results] == [1, 2, 3, 4]


def test_a_failing_batch_writes_nothing_and_alone_each_task_is_written_at_once():
    with pytest.raises(RuntimeError), outbox_batch():
        note.enqueue(1)
        raise RuntimeError("the change fails")
    assert not DBTaskResult.objects.exists()
    result = note.enqueue(2)
    assert DBTaskResult.objects.filter(pk=result.id).exists()


def test_an_event_s_handlers_enqueue_in_one_batch(monkeypatch):
    monkeypatch.setattr(events, "_handlers", defaultdict(list))
    for n in (1, 2):
        events.subscribe("test.event", lambda n=n, **_: note.enqueue(n))
    with CaptureQueriesContext(connection) as queries:
        events.emit("test.event")
    assert len(_inserts(queries)) == 1
    assert DBTaskResult.objects.count() == 2


def test_a_result_says_when_it_was_enqueued_as_its_row_does():
    with outbox_batch():
        batched = note.enqueue(1)
    alone = note.enqueue(2)
    for result in (batched, alone):
        row = DBTaskResult.objects.get(pk=result.id)
        assert result.enqueued_at is not None and result.enqueued_at == row.enqueued_at
