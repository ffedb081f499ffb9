"""Accepted messages, journalled outside the database, so a restored backup never sends twice.

The moment the mail server (or SMS gateway) accepts a message, its delivery's identity (key
and creation time, so a database seeded afresh never matches an old line) is appended to
the day's journal file and flushed to disk, before the database records it sent. Two crashes
are then covered: a worker killed between acceptance and the database update finds the key
when the task runs again and does not send it twice; and a database restored from a backup,
which has those messages queued again, is corrected by `manage.py reconcile_sent` (run after
every restore, before the worker starts; docs/operations.md). The journal lives in
`CAREBOOK_SENT_JOURNAL_DIR` (default: `var/sent/`), one file a day, kept 60 days.
"""

import os
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings

from carebook.core.tasks import setting
from carebook.core.timeutils import now as utcnow

KEEP_DAYS = 60


def journal_dir() -> Path:
    return Path(setting("CAREBOOK_SENT_JOURNAL_DIR", settings.VAR_DIR / "sent"))


def _file(day: date) -> Path:
    return journal_dir() / f"{day.isoformat()}.log"


def entry(delivery) -> str:
    """What the journal keeps of a delivery: unique across databases that reuse keys."""
    return f"{delivery.key}|{delivery.created_at.isoformat()}"


def record(key: str) -> None:
    """Append `key` (an `entry`) to today's journal, durably: one line, one write, fsync."""
    path = _file(utcnow().date())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{utcnow().isoformat()}\t{key}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def keys() -> set[str]:
    """Every entry in the journal (the last KEEP_DAYS days); older files are removed."""
    found: set[str] = set()
    folder = journal_dir()
    if not folder.is_dir():
        return found
    oldest = utcnow().date() - timedelta(days=KEEP_DAYS)
    for path in folder.glob("*.log"):
        try:
            day = date.fromisoformat(path.stem)
        except ValueError:
            continue
        if day < oldest:
            path.unlink(missing_ok=True)
            continue
        for line in path.read_text().splitlines():
            _, _, key = line.partition("\t")
            if key:
                found.add(key)
    return found


def knows(delivery) -> bool:
    return entry(delivery) in keys()
