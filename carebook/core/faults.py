"""Fault injection for the chaos suite (`make chaos`): die at a named point, as kill -9 would.

Off unless the environment names the point: CAREBOOK_FAULTS="after_commit:0.05" kills the
process right after a request's transaction commits, in 5% of passes. Production never sets it.
"""

import os
import random
import signal


def crash_point(name: str) -> None:
    spec = os.environ.get("CAREBOOK_FAULTS")
    if not spec:
        return
    for item in spec.split(","):
        point, _, chance = item.partition(":")
        if point == name and random.random() < float(chance or 1):  # noqa: S311 - not security
            os.kill(os.getpid(), signal.SIGKILL)
