"""`seed_demo()`: the demo clinic, believable, idempotent and dated from today."""

from datetime import datetime

from django.db import transaction

from carebook.demo.appointments import seed_appointments
from carebook.demo.mfa import seed_demo_mfa
from carebook.demo.reference import seed_reference
from carebook.demo.summary import Summary
from carebook.notifications.services import notifications_muted


def seed_demo(*, now: datetime | None = None) -> Summary:
    """Create the demo clinic once; running it again changes nothing."""
    summary = Summary()
    # The demo's invented history must not mail anyone or fill the queue with stale reminders.
    with notifications_muted():
        with transaction.atomic():
            ref = seed_reference(summary=summary)
            seed_demo_mfa(summary=summary)
        # The booking services open their own durable transactions: call them outside any block.
        seed_appointments(ref=ref, summary=summary, now=now)
    return summary
