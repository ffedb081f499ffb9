"""Free-slot maths: pure functions over plain values, no database.

Windows are weekly wall-clock hours in a location's time zone; everything else is UTC.
A slot is offered when it lies inside a window, its hold (the slot widened by the buffers)
touches no busy interval and no other offered slot, and it respects notice and horizon.
Slots start on the window's wall-clock grid; a wall-clock time that does not exist (the
spring-forward gap) is never offered, and a repeated one (fall-back) is offered once.
"""

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise

from carebook.core.timeutils import exists, to_utc, zone


@dataclass(frozen=True, slots=True)
class Window:
    location_id: int
    time_zone: str
    weekday: int  # Monday is 0
    start: time
    end: time
    valid_from: date | None = None
    valid_until: date | None = None

    def applies_on(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and (self.valid_from is None or day >= self.valid_from)
            and (self.valid_until is None or day <= self.valid_until)
        )


@dataclass(frozen=True, slots=True)
class Rules:
    step_minutes: int = 15
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    min_notice_minutes: int = 0
    max_days_ahead: int = 60


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    start: datetime
    end: datetime
    location_id: int


def _ts(value: datetime) -> int:
    if value.tzinfo is None:
        raise ValueError("Naive datetimes are not allowed in the scheduling engine.")
    return int(value.timestamp())


class _Intervals:
    """Disjoint, sorted half-open [start, end) intervals in epoch seconds."""

    __slots__ = ("starts", "ends")

    def __init__(self, intervals: Iterable[tuple[int, int]]):
        starts: list[int] = []
        ends: list[int] = []
        for s, e in sorted(intervals):
            if e <= s:
                continue
            if ends and s <= ends[-1]:
                if e > ends[-1]:
                    ends[-1] = e
            else:
                starts.append(s)
                ends.append(e)
        self.starts, self.ends = starts, ends

    def overlaps(self, s: int, e: int) -> bool:
        i = bisect_left(self.starts, e) - 1
        return i >= 0 and self.ends[i] > s

    def add(self, s: int, e: int) -> None:
        """Add an interval known not to overlap any present one."""
        i = bisect_left(self.starts, s)
        self.starts.insert(i, s)
        self.ends.insert(i, e)


@lru_cache(maxsize=16384)
def _window_span(time_zone: str, day: date, start: time, end: time) -> tuple[int, int, bool]:
    """(start, end) of a window on `day` in epoch seconds, and whether no clock change falls
    inside it (then its grid is plain arithmetic). Cached: most windows repeat every week."""
    tz = zone(time_zone)
    start_naive = datetime.combine(day, start)
    end_naive = datetime.combine(day, end)
    start_utc = _ts(to_utc(start_naive, tz))
    end_utc = _ts(to_utc(end_naive, tz, latest=True))
    plain = (
        end_utc - start_utc == int((end_naive - start_naive).total_seconds())
        and exists(start_naive, tz)
        and start_naive.replace(tzinfo=tz, fold=1).utcoffset()
        == start_naive.replace(tzinfo=tz).utcoffset()
    )
    return start_utc, end_utc, plain


def _candidates(window: Window, day: date, duration: int, step: int) -> list[int]:
    """UTC start instants (epoch s) of the window's grid on `day` whose slot fits inside it."""
    start_utc, end_utc, plain = _window_span(window.time_zone, day, window.start, window.end)
    if plain:
        return list(range(start_utc, end_utc - duration + 1, step))
    tz = zone(window.time_zone)
    step_delta = timedelta(seconds=step)
    wall = datetime.combine(day, window.start)
    end_naive = datetime.combine(day, window.end)
    out = []
    while wall < end_naive:
        if exists(wall, tz):
            t = _ts(to_utc(wall, tz))
            if t + duration <= end_utc:
                out.append(t)
        wall += step_delta
    return sorted(out)


def _first_start(grid: tuple[Sequence[int], int]) -> int:
    return grid[0][0]


def _seconds(value: datetime | int) -> int:
    return value if type(value) is int else _ts(value)


def iter_free_slots(*, duration: timedelta, **kwargs) -> Iterator[Slot]:
    """Yield free slots day by day for local dates start_date..end_date (inclusive); the
    arguments are `_free_starts`'s."""
    length = timedelta(seconds=int(duration.total_seconds()))
    for t, loc in _free_starts(duration=duration, **kwargs):
        yield _slot(t, loc, length)


def free_slots(*, duration: timedelta, **kwargs) -> list[Slot]:
    """All free slots over the range, in start order (see `_free_starts` for arguments)."""
    # Plain (start, location) pairs sort in C; the dataclass's own ordering is Python code.
    length = timedelta(seconds=int(duration.total_seconds()))
    return [_slot(t, loc, length) for t, loc in sorted(_free_starts(duration=duration, **kwargs))]


def _slot(t: int, location_id: int, length: timedelta) -> Slot:
    start = datetime.fromtimestamp(t, UTC)
    return Slot(start, start + length, location_id)


def _free_starts(
    *,
    windows: Sequence[Window],
    busy: Iterable[tuple[datetime, datetime]] | Iterable[tuple[int, int]],
    duration: timedelta,
    rules: Rules,
    start_date: date,
    end_date: date,
    now: datetime,
    location_id: int | None = None,
    until: datetime | None = None,
) -> Iterator[tuple[int, int]]:
    """Free starts for local dates start_date..end_date (inclusive), day by day, as (start in
    epoch seconds, location id). `busy` holds UTC intervals as aware datetimes or epoch
    seconds; `until` caps slot starts."""
    dur = int(duration.total_seconds())
    if dur <= 0:
        raise ValueError("A slot needs a positive duration.")
    step = max(rules.step_minutes, 1) * 60
    before = rules.buffer_before_minutes * 60
    hold_length = before + dur + rules.buffer_after_minutes * 60
    earliest = _ts(now) + rules.min_notice_minutes * 60
    latest = _ts(now) + rules.max_days_ahead * 86400
    if until is not None:
        latest = min(latest, _ts(until))
    busy = list(busy)
    if busy and type(busy[0][0]) is not int:
        busy = [(_seconds(s), _seconds(e)) for s, e in busy]
    taken = _Intervals(busy)
    by_weekday: dict[int, list[Window]] = {}
    for w in windows:
        if location_id is None or w.location_id == location_id:
            by_weekday.setdefault(w.weekday, []).append(w)

    # The hot loop reads the busy intervals' lists directly (this is most of slots_free's time).
    starts, ends = taken.starts, taken.ends
    day, one_day = start_date, timedelta(days=1)
    while day <= end_date:
        todays = [w for w in by_weekday.get(day.weekday(), ()) if w.applies_on(day)]
        grids = [(g, w.location_id) for w in todays if (g := _candidates(w, day, dur, step))]
        grids.sort(key=_first_start)
        if not all(a[-1] < b[0] for (a, _), (b, _) in pairwise(grids)):
            # Windows that overlap: all their starts in one order, a tie by location.
            pairs = sorted((t, loc) for g, loc in grids for t in g)
            grids = [([t for t, _ in pairs], [loc for _, loc in pairs])]
        for times, locs in grids:
            k, n = bisect_left(times, earliest), len(times)
            while k < n:
                t = times[k]
                if t > latest:
                    break
                hold_start = t - before
                hold_end = hold_start + hold_length
                # The last busy interval starting before the hold ends must end by its start;
                # then the hold goes right after it (as `_Intervals.add` would place it).
                i = bisect_left(starts, hold_end)
                if i and ends[i - 1] > hold_start:
                    # So is every later start whose hold begins before that interval ends.
                    k = bisect_left(times, ends[i - 1] + before, k + 1)
                    continue
                starts.insert(i, hold_start)
                ends.insert(i, hold_end)
                yield t, (locs if type(locs) is int else locs[k])
                k = bisect_left(times, hold_end + before, k + 1)
        day += one_day


def first_free_slot(
    *,
    windows: Sequence[Window],
    busy: Iterable[tuple[datetime, datetime]],
    duration: timedelta,
    rules: Rules,
    now: datetime,
    location_id: int | None = None,
    until: datetime | None = None,
) -> Slot | None:
    """The earliest free slot between now and the horizon (or `until`), or None."""
    if not windows:
        return None
    first_day = (now - timedelta(days=1)).date()
    last = now + timedelta(days=rules.max_days_ahead)
    if until is not None:
        last = min(last, until)
    last_day = (last + timedelta(days=1)).date()
    slots = iter_free_slots(
        windows=windows,
        busy=busy,
        duration=duration,
        rules=rules,
        start_date=first_day,
        end_date=last_day,
        now=now,
        location_id=location_id,
        until=until,
    )
    if len({w.time_zone for w in windows}) == 1:
        return next(slots, None)  # one zone: days come in time order
    best = None
    for slot in slots:
        # Local days of zones far apart interleave; look one day past the first find.
        if best is None or slot.start < best.start:
            best = slot
        elif slot.start - best.start > timedelta(days=1):
            break
    return best


def hold_range(start: datetime, end: datetime, rules: Rules) -> tuple[datetime, datetime]:
    """The interval an appointment keeps busy: the visit widened by the buffers."""
    return (
        start - timedelta(minutes=rules.buffer_before_minutes),
        end + timedelta(minutes=rules.buffer_after_minutes),
    )


@lru_cache(maxsize=256)
def _clock_change_days(time_zone: str, first: date, last: date) -> frozenset[date]:
    """Local dates first..last on which the zone's offset changes."""
    tz = zone(time_zone)
    out, day = set(), first
    offset = datetime.combine(day, time.min, tz).utcoffset()
    while day <= last:
        following = datetime.combine(day + timedelta(days=1), time.min, tz).utcoffset()
        if following != offset:
            out.add(day)
        offset, day = following, day + timedelta(days=1)
    return frozenset(out)


def _applying_days(window: Window, first: date, last: date) -> tuple[date, int]:
    """The first local date in first..last the window applies on, and how many it applies on."""
    first = max(first, window.valid_from or first)
    last = min(last, window.valid_until or last)
    first += timedelta(days=(window.weekday - first.weekday()) % 7)
    return first, 0 if first > last else (last - first).days // 7 + 1


def offered_seconds(
    windows: Sequence[Window],
    *,
    start_date: date,
    end_date: date,
    time_off: Iterable[tuple[int, int]] = (),
) -> int:
    """Seconds the windows offer over local dates start_date..end_date, less time off.

    A day without a clock change offers the window's wall-clock length; a day with one, the
    instants between its ends (an hour less in spring, more in autumn).
    """
    total, offering = 0, []
    for w in windows:
        first, count = _applying_days(w, start_date, end_date)
        if not count:
            continue
        offering.append(w)
        length = int(
            (datetime.combine(first, w.end) - datetime.combine(first, w.start)).total_seconds()
        )
        total += count * length
        for day in _clock_change_days(w.time_zone, start_date, end_date):
            if w.applies_on(day):
                s, e, _plain = _window_span(w.time_zone, day, w.start, w.end)
                total += (e - s) - length
    off = _Intervals(time_off)
    for s_off, e_off in zip(off.starts, off.ends, strict=True):
        # Only the days the time off touches (a day either side for the zones' offsets).
        lo = max(start_date, (datetime.fromtimestamp(s_off, UTC) - timedelta(days=1)).date())
        hi = min(end_date, (datetime.fromtimestamp(e_off, UTC) + timedelta(days=1)).date())
        for w in offering:
            first, count = _applying_days(w, lo, hi)
            for week in range(count):
                day = first + timedelta(days=7 * week)
                s, e, _plain = _window_span(w.time_zone, day, w.start, w.end)
                total -= max(0, min(e, e_off) - max(s, s_off))
    return total
