"""Timing helpers: run a callable many times and summarise the wall-clock durations."""

import gc
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    runs: int
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float

    def __str__(self) -> str:
        return (
            f"median {self.median_ms:8.2f} ms   p95 {self.p95_ms:8.2f} ms   "
            f"min {self.min_ms:8.2f} ms   max {self.max_ms:8.2f} ms   ({self.runs} runs)"
        )


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(durations_s: list[float]) -> Timing:
    ms = sorted(d * 1000 for d in durations_s)
    return Timing(
        runs=len(ms),
        median_ms=statistics.median(ms),
        p95_ms=percentile(ms, 95),
        min_ms=ms[0],
        max_ms=ms[-1],
    )


def time_calls(fn: Callable[[], object], *, runs: int, warmup: int = 3) -> Timing:
    """Call `fn` `warmup` times untimed, then `runs` times timed, one by one.

    A collection is done before timing starts so that garbage left by the data setup is not
    charged to the first runs. The collector stays on while timing, as in production, and what
    the process holds then is frozen, as a web worker freezes what it loaded at start
    (carebook/wsgi.py): a full collection walks what the calls make, not the bench's own data.
    """
    for _ in range(warmup):
        fn()
    gc.collect()
    gc.freeze()
    durations = []
    try:
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            durations.append(time.perf_counter() - t0)
    finally:
        gc.unfreeze()
    return summarise(durations)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"
