"""Report periods: local dates, grouped by day, ISO week (from Monday) or month."""

from datetime import date, timedelta

GROUPS = ("day", "week", "month")
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
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


PRESETS = ("today", "week", "month", "last_month", "quarter", "financial_year", "custom")


def preset_range(name: str, today: date) -> tuple[date, date]:
    """The local dates a named period covers, as of `today` (Indian financial year: April)."""
    if name == "today":
        return today, today
    if name == "week":
        start = period_start(today, "week")
        return start, start + timedelta(days=6)
    if name == "month":
        start = today.replace(day=1)
        return start, (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(1)
    if name == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if name == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        start = today.replace(month=first_month, day=1)
        after = start.replace(month=first_month + 2, day=28) + timedelta(days=4)
        return start, after.replace(day=1) - timedelta(days=1)
    if name == "financial_year":
        year = today.year if today.month >= 4 else today.year - 1
        return date(year, 4, 1), date(year + 1, 3, 31)
    raise ValueError(name)
