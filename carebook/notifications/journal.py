"""Accepted messages, journalled outside the database, so a restored backup never sends twice.

The moment the mail server (or SMS gateway) accepts a message, its delivery's identity is
appended to
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
    """What the journal keeps of a delivery: the same after a restore, unique across databases.

    The key is rebuilt identically when a restored backup's queued task writes the delivery
    again; the creation time of what it is about (its appointment, else its recipient) comes
    from the backup too, and tells apart a database seeded afresh that reuses the same ids.
    """
    if delivery.appointment_id:
        anchor = delivery.appointment.created_at
    elif delivery.recipient_id:
        anchor = delivery.recipient.date_joined
    else:
        anchor = delivery.created_at
    return f"{delivery.key}|{anchor.isoformat()}"


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


# What this process has read of each journal directory: its entries, and how far into each
# file (the files only grow, so each check reads only what was appended since).
_read: dict[Path, tuple[set[str], dict[Path, int]]] = {}


def keys() -> set[str]:
    """Every entry in the journal (the last KEEP_DAYS days); older files are removed."""
    folder = journal_dir()
    entries, offsets = _read.setdefault(folder, (set(), {}))
    if not folder.is_dir():
        return entries
    oldest = utcnow().date() - timedelta(days=KEEP_DAYS)
    for path in sorted(folder.glob("*.log")):
        try:
            day = date.fromisoformat(path.stem)
        except ValueError:
            continue
        if day < oldest:
            path.unlink(missing_ok=True)
            continue
        size, offset = path.stat().st_size, offsets.get(path, 0)
        if size <= offset:
            continue
        with path.open("rb") as f:
            f.seek(offset)
            chunk = f.read(size - offset)
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line being written is read next time
        offsets[path] = offset + len(complete)
        for line in complete.decode().splitlines():
            _, _, entry_ = line.partition("\t")
            if entry_:
                entries.add(entry_)
    return entries


def knows(delivery) -> bool:
    return entry(delivery) in keys()
