"""The endpoint limit under real parallel registrations (PostgreSQL: separate connections)."""

import threading
import time

import pytest
from django.db import connection

from carebook.core.errors import InvalidInput
from carebook.webhooks import services
from carebook.webhooks.models import Endpoint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 4


def test_parallel_registrations_never_pass_the_endpoint_limit(staff, dns, monkeypatch):
    monkeypatch.setattr(services, "MAX_ENDPOINTS", 2)
    logged = services.security_event

    def slow_log(**kwargs):
        time.sleep(0.3)  # widen the window between counting and committing
        return logged(**kwargs)

    monkeypatch.setattr(services, "security_event", slow_log)
    barrier = threading.Barrier(N)
    made, refused, errors = [], [], []

    def register(i):
        try:
            barrier.wait(timeout=30)
            services.endpoint_create(
                url=f"https://crm{i}.example.com/in", events=["invoice.issued"], by=staff
            )
            made.append(i)
        except InvalidInput:
            refused.append(i)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert (len(made), len(refused)) == (2, N - 2)
    assert Endpoint.objects.count() == 2
