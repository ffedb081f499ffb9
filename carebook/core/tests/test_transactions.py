"""A service's transaction commits before a refusal it declares, and rolls back on anything else."""

import pytest
from django.db import connection
from django.utils import timezone

from carebook.core.errors import InvalidInput, SlotUnavailable
from carebook.core.models import WorkerHeartbeat
from carebook.core.transactions import atomic_write

pytestmark = pytest.mark.django_db(transaction=True)


def beat(worker_id: str) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, host="h", pid=1, started_at=now, seen_at=now
    )


@atomic_write(commit_before=SlotUnavailable)
def refuses(worker_id: str, error: Exception) -> None:
    beat(worker_id)  # stands in for what a refusal leaves whole (released expired holds)
    raise error


def test_a_declared_refusal_commits_what_came_before_it_and_is_raised():
    with pytest.raises(SlotUnavailable):
        refuses("kept", SlotUnavailable())
    assert WorkerHeartbeat.objects.filter(worker_id="kept").exists()
    assert not connection.in_atomic_block


def test_any_other_error_rolls_back():
    with pytest.raises(InvalidInput):
        refuses("gone", InvalidInput("no"))
    assert not WorkerHeartbeat.objects.filter(worker_id="gone").exists()


def test_a_service_without_declared_refusals_rolls_back_on_them():
    @atomic_write
    def plain():
        beat("plain")
        raise SlotUnavailable()

    with pytest.raises(SlotUnavailable):
        plain()
    assert not WorkerHeartbeat.objects.filter(worker_id="plain").exists()
