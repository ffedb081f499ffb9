"""Offered time: the arithmetic shortcut against a day-by-day sum, across clock changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from carebook.core.timeutils import to_utc
from carebook.scheduling.engine import Window, offered_seconds

ZONES = ["Asia/Kolkata", "Europe/London", "America/New_York", "Australia/Lord_Howe"]
FIRST = date(2026, 2, 20)


def naive(windows, start, end, time_off):
    total, day = 0, start
    while day <= end:
        for w in windows:
            if w.applies_on(day):
                # The engine's reading of wall-clock times: a time in a spring-forward gap is
                # the instant the clock jumps; a repeated time its first (start) or last (end).
                tz = ZoneInfo(w.time_zone)
                s = to_utc(datetime.combine(day, w.start), tz)
                e = to_utc(datetime.combine(day, w.end), tz, latest=True)
                seconds = set(range(int(s.timestamp()), int(e.timestamp()), 60))
                for a, b in time_off:
                    seconds -= set(range(a, b, 60))
                total += 60 * len(seconds)
        day += timedelta(days=1)
    return total


quarter_hours = st.integers(0, 95).map(lambda q: time(q // 4, 15 * (q % 4)))


@settings(max_examples=200, deadline=None)
@given(
    spec=st.lists(
        st.tuples(
            st.sampled_from(ZONES),
            st.integers(0, 6),
            quarter_hours,
            st.integers(1, 16),
            st.one_of(st.none(), st.integers(0, 60)),
        ),
        max_size=4,
    ),
    first=st.integers(0, 50),
    length=st.integers(0, 60),
    off=st.lists(st.tuples(st.integers(0, 24 * 110), st.integers(1, 24 * 3)), max_size=3),
)
def test_offered_seconds_match_a_day_by_day_sum(spec, first, length, off):
    windows = []
    for tz, weekday, start, quarters, valid_from in spec:
        end_minutes = min(start.hour * 60 + start.minute + 15 * quarters, 24 * 60 - 1)
        end = time(end_minutes // 60, end_minutes % 60)
        if end <= start:
            continue
        since = None if valid_from is None else FIRST + timedelta(days=valid_from)
        windows.append(Window(1, tz, weekday, start, end, valid_from=since))
    base = int(datetime.combine(FIRST, time.min, UTC).timestamp())
    time_off = [(base + 3600 * h, base + 3600 * (h + n)) for h, n in off]
    start = FIRST + timedelta(days=first)
    end = start + timedelta(days=length)
    assert offered_seconds(windows, start_date=start, end_date=end, time_off=time_off) == naive(
        windows, start, end, time_off
    )


def test_a_window_ending_in_the_spring_forward_gap_offers_until_the_clock_jumps():
    # New York, Sunday 8 March 2026: 00:00 EST to "02:00", the instant it becomes 03:00 EDT.
    sunday = date(2026, 3, 8)
    window = Window(1, "America/New_York", 6, time(0, 0), time(2, 0))
    assert offered_seconds([window], start_date=sunday, end_date=sunday) == 2 * 3600
    autumn = date(2026, 11, 1)  # 01:00-02:00 happens twice: 00:30 to 01:30 (second) is 2 h
    window = Window(1, "America/New_York", 6, time(0, 30), time(1, 30))
    assert offered_seconds([window], start_date=autumn, end_date=autumn) == 2 * 3600
