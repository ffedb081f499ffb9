"""What every app's background tasks share: retrying a failed run with a growing delay.

django-tasks has no retries of its own. Settings are read when used (never at import): each
comes from the Django setting of that name, else the environment variable, else the default.
"""

import logging
import os
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.utils.module_loading import import_string

from carebook.core.timeutils import now as utcnow

logger = logging.getLogger(__name__)


def setting(name: str, default):
    """A setting read when used: the Django setting, else the environment variable, else default."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return default if value in (None, "") else value


def max_attempts() -> int:
    """How many times a task runs before it is left failed (the first run included)."""
    return max(1, int(setting("CAREBOOK_TASK_MAX_ATTEMPTS", 5)))


def retry_backoff(attempt: int) -> timedelta:
    """The wait before retrying after failed attempt number `attempt`: doubling, capped at 1 h."""
    base = float(setting("CAREBOOK_TASK_RETRY_BACKOFF_SECONDS", 30))
    return timedelta(seconds=min(base * 2 ** (attempt - 1), 3600))


def retried(func):
    """On an exception, enqueue the task again after a backoff (up to the attempt limit).

    Put it under `@task()`; the task must take `attempt: int = 1` and be safe to run again.
    """

    @wraps(func)
    def run(*args, attempt: int = 1, **kwargs):
        try:
            return func(*args, attempt=attempt, **kwargs)
        except Exception:
            if attempt < max_attempts():
                delay = retry_backoff(attempt)
                this = import_string(f"{func.__module__}.{func.__name__}")
                this.using(run_after=utcnow() + delay).enqueue(*args, attempt=attempt + 1, **kwargs)
                logger.warning(
                    "%s%s failed (attempt %d); retrying in %s",
                    func.__name__,
                    kwargs,
                    attempt,
                    delay,
                    exc_info=True,
                )
            else:
                logger.error("%s%s failed %d times; giving up", func.__name__, kwargs, attempt)
            raise

    return run
