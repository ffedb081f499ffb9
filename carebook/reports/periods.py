"""Report periods: local dates, grouped by day, ISO week (from Monday) or month."""

from datetime import date, timedelta

GROUPS = ("day", "week", "month")
# How many periods one report may hold, so a request's cost is bounded.
MAX_PERIODS = {"day": 400, "week": 270, "month": 130}


def period_start(day: date, group_by: str) -> date:
    """The first day of the period `day` falls in."""
    if group_by == "day":
        return day
    if group_by == "week":
        return day - timedelta(days=day.weekday())
    if group_by == "month":
        return day.replace(day=1)
    raise ValueError(f"Unknown grouping {group_by!r}")


def period_starts(start: date, end: date, group_by: str) -> list[date]:
    """Every period from the one holding `start` to the one holding `end`, in order."""
    keys, key = [], period_start(start, group_by)
    while key <= end:
        keys.append(key)
        if group_by == "day":
            key += timedelta(days=1)
        elif group_by == "week":
            key += timedelta(days=7)
        else:
            key = (key.replace(day=28) + timedelta(days=4)).replace(day=1)
    return keys


def previous_range(start: date, end: date) -> tuple[date, date]:
    """The range of the same length just before [start, end]."""
    length = end - start
    return start - length - timedelta(days=1), start - timedelta(days=1)
