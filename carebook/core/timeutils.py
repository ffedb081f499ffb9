"""Wall-clock ↔ UTC conversions that behave at daylight-saving changes."""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.utils import timezone


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_zone(name: str) -> bool:
    return name in zone_names()


def now() -> datetime:
    return timezone.now()


def exists(naive: datetime, tz: ZoneInfo) -> bool:
    """Whether this wall-clock time happens at all in `tz` (False inside a spring-forward gap)."""
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def _gap_end(naive: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant a spring-forward gap containing `naive` closes (the clock jump)."""
    lo = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)  # before the jump
    hi = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)  # after the jump
    before = lo.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi.replace(microsecond=0)


def to_utc(naive: datetime, tz: ZoneInfo, *, latest: bool = False) -> datetime:
    """Map a wall-clock time to UTC.

    An ambiguous time (the repeated hour) maps to its first occurrence, or its second with
    `latest`; a time inside a gap maps to the instant the clock jumps.
    """
    if not exists(naive, tz):
        return _gap_end(naive, tz)
    return naive.replace(tzinfo=tz, fold=1 if latest else 0).astimezone(UTC)


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at the start of `day` and of the next day."""
    start = to_utc(datetime.combine(day, time.min), tz)
    end = to_utc(datetime.combine(day + timedelta(days=1), time.min), tz)
    return start, end


def ensure_aware(value: datetime) -> datetime:
    if timezone.is_naive(value):
        raise ValueError("A naive datetime was given where an aware one is required.")
    return value.astimezone(UTC)


def local_text(value: datetime, time_zone: str) -> str:
    """An instant as the place's wall clock with its zone: "2 Mar 2026, 13:37 IST"."""
    local = value.astimezone(zone(time_zone))
    return f"{local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def age_on(born: date | None, today: date) -> int | None:
    """Whole years of age on `today`, or None when the birth date is unknown."""
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
