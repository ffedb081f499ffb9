from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebook.core.timeutils import exists, to_utc
from carebook.scheduling.engine import Rules, Window, first_free_slot, free_slots, hold_range

ZONES = [
    "Asia/Kolkata",
    "Europe/Berlin",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "America/New_York",
]
# Days on or next to a clock change in those zones (Sao Paulo kept DST until 2019).
TRANSITION_DAYS = [
    date(2026, 3, 29),
    date(2026, 10, 25),  # Berlin
    date(2018, 11, 4),
    date(2018, 2, 17),
    date(2019, 2, 16),  # Sao Paulo
    date(2026, 4, 5),
    date(2026, 10, 4),  # Lord Howe (30 minutes)
    date(2026, 3, 8),
    date(2026, 11, 1),  # New York
]


def local(slot_start: datetime, tz: str) -> datetime:
    return slot_start.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def all_day(weekdays=range(7), tz="Asia/Kolkata", start=time(0, 0), end=time(23, 59), loc=1):
    return [Window(loc, tz, wd, start, end) for wd in weekdays]


quarter_times = st.integers(0, 95).map(lambda q: time(q // 4, (q % 4) * 15))


@st.composite
def scenarios(draw):
    tz = draw(st.sampled_from(ZONES))
    first = draw(
        st.one_of(st.sampled_from(TRANSITION_DAYS), st.dates(date(2017, 1, 1), date(2027, 12, 31)))
    )
    first -= timedelta(days=draw(st.integers(0, 3)))
    days = draw(st.integers(1, 6))
    windows = []
    for _ in range(draw(st.integers(1, 4))):
        a, b = sorted(draw(st.lists(quarter_times, min_size=2, max_size=2, unique=True)))
        windows.append(Window(draw(st.sampled_from([1, 2])), tz, draw(st.integers(0, 6)), a, b))
    origin = datetime.combine(first, time.min, UTC)
    busy = []
    for _ in range(draw(st.integers(0, 8))):
        s = origin + timedelta(minutes=draw(st.integers(-24 * 60, (days + 1) * 24 * 60)))
        busy.append((s, s + timedelta(minutes=draw(st.integers(1, 240)))))
    rules = Rules(
        step_minutes=draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60])),
        buffer_before_minutes=draw(st.sampled_from([0, 0, 5, 10, 15])),
        buffer_after_minutes=draw(st.sampled_from([0, 0, 5, 10, 30])),
        min_notice_minutes=draw(st.integers(0, 24 * 60)),
        max_days_ahead=draw(st.integers(1, 10)),
    )
    now = origin + timedelta(minutes=draw(st.integers(-2 * 24 * 60, days * 24 * 60)))
    duration = timedelta(minutes=draw(st.sampled_from([10, 15, 20, 30, 45, 60, 90])))
    return dict(
        windows=windows,
        busy=busy,
        duration=duration,
        rules=rules,
        start_date=first,
        end_date=first + timedelta(days=days - 1),
        now=now,
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_slots_respect_windows_busy_notice_horizon_and_buffers(case):
    slots = free_slots(**case)
    rules = case["rules"]
    tz = case["windows"][0].time_zone
    zi = ZoneInfo(tz)
    holds = [hold_range(s.start, s.end, rules) for s in slots]

    for slot, (hs, he) in zip(slots, holds, strict=True):
        assert slot.start.tzinfo is not None and slot.end - slot.start == case["duration"]
        wall = local(slot.start, tz)
        assert exists(wall, zi), "a slot in a non-existent local hour"
        assert case["start_date"] <= wall.date() <= case["end_date"]
        inside = [
            w
            for w in case["windows"]
            if w.location_id == slot.location_id
            and w.applies_on(wall.date())
            and w.start <= wall.time()
            and slot.start >= to_utc(datetime.combine(wall.date(), w.start), zi)
            and slot.end <= to_utc(datetime.combine(wall.date(), w.end), zi, latest=True)
            and (wall - datetime.combine(wall.date(), w.start)).total_seconds()
            % (rules.step_minutes * 60)
            == 0
        ]
        assert inside, f"{slot} lies outside every window or off the grid"
        assert slot.start >= case["now"] + timedelta(minutes=rules.min_notice_minutes)
        assert slot.start <= case["now"] + timedelta(days=rules.max_days_ahead)
        for bs, be in case["busy"]:
            assert not (hs < be and bs < he), f"{slot} overlaps busy {bs}–{be}"

    ordered = sorted(holds)
    for (_, end_a), (start_b, _) in zip(ordered, ordered[1:], strict=False):
        assert end_a <= start_b, "two offered slots overlap"
    walls = [(s.location_id, local(s.start, tz)) for s in slots]
    assert len(walls) == len(set(walls)), "a wall-clock time offered twice"


def test_plain_day_in_kolkata_is_a_full_grid():
    slots = free_slots(
        windows=all_day(start=time(9), end=time(17)),
        busy=[],
        duration=timedelta(minutes=30),
        rules=Rules(step_minutes=30),
        start_date=date(2026, 6, 1),
        end_date=date(2026, 6, 1),
        now=datetime(2026, 5, 1, tzinfo=UTC),
    )
    assert len(slots) == 16
    assert local(slots[0].start, "Asia/Kolkata") == datetime(2026, 6, 1, 9, 0)
    assert local(slots[-1].end, "Asia/Kolkata") == datetime(2026, 6, 1, 17, 0)


def test_spring_forward_skips_the_missing_hour_in_berlin():
    day = date(2026, 3, 29)  # 02:00 → 03:00
    slots = free_slots(
        windows=all_day(tz="Europe/Berlin", start=time(1), end=time(4)),
        busy=[],
        duration=timedelta(minutes=30),
        rules=Rules(step_minutes=30),
        start_date=day,
        end_date=day,
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )
    walls = [local(s.start, "Europe/Berlin").time() for s in slots]
    assert walls == [time(1), time(1, 30), time(3), time(3, 30)]
    assert slots[1].end == slots[2].start  # 01:30 CET ends when the clock shows 03:00 CEST


def test_fall_back_offers_the_repeated_hour_once_in_berlin():
    day = date(2026, 10, 25)  # 03:00 → 02:00
    slots = free_slots(
        windows=all_day(tz="Europe/Berlin", start=time(1), end=time(4)),
        busy=[],
        duration=timedelta(minutes=30),
        rules=Rules(step_minutes=30),
        start_date=day,
        end_date=day,
        now=datetime(2026, 10, 1, tzinfo=UTC),
    )
    walls = [local(s.start, "Europe/Berlin").time() for s in slots]
    assert walls == [time(1), time(1, 30), time(2), time(2, 30), time(3), time(3, 30)]
    assert len({s.start for s in slots}) == 6


def test_lord_howe_half_hour_shift():
    day = date(2026, 10, 4)  # 02:00 → 02:30
    slots = free_slots(
        windows=all_day(tz="Australia/Lord_Howe", start=time(1), end=time(4)),
        busy=[],
        duration=timedelta(minutes=30),
        rules=Rules(step_minutes=30),
        start_date=day,
        end_date=day,
        now=datetime(2026, 9, 1, tzinfo=UTC),
    )
    walls = [local(s.start, "Australia/Lord_Howe").time() for s in slots]
    assert time(2, 0) not in walls and time(2, 15) not in walls
    assert walls == [time(1), time(1, 30), time(2, 30), time(3), time(3, 30)]


def test_buffers_keep_space_around_appointments():
    day = date(2026, 6, 1)
    booked = (
        datetime(2026, 6, 1, 4, 30, tzinfo=UTC),
        datetime(2026, 6, 1, 5, 0, tzinfo=UTC),
    )  # 10:00 IST
    rules = Rules(step_minutes=15, buffer_before_minutes=15, buffer_after_minutes=15)
    slots = free_slots(
        windows=all_day(start=time(9), end=time(12)),
        busy=[hold_range(*booked, rules)],
        duration=timedelta(minutes=30),
        rules=rules,
        start_date=day,
        end_date=day,
        now=datetime(2026, 5, 1, tzinfo=UTC),
    )
    walls = [local(s.start, "Asia/Kolkata").time() for s in slots]
    # The visit holds 09:45–10:45; each offered slot holds its own 15 minutes either side.
    assert walls == [time(9), time(11)]


def test_minimum_notice_and_horizon():
    now = datetime(2026, 6, 1, 5, 30, tzinfo=UTC)  # 11:00 IST
    slots = free_slots(
        windows=all_day(start=time(9), end=time(17)),
        busy=[],
        duration=timedelta(minutes=60),
        rules=Rules(step_minutes=60, min_notice_minutes=120, max_days_ahead=2),
        start_date=date(2026, 6, 1),
        end_date=date(2026, 6, 10),
        now=now,
    )
    assert local(slots[0].start, "Asia/Kolkata") == datetime(2026, 6, 1, 13, 0)
    assert max(s.start for s in slots) <= now + timedelta(days=2)
    assert local(slots[-1].start, "Asia/Kolkata").date() == date(2026, 6, 3)


def test_time_off_blocks_slots():
    day = date(2026, 6, 1)
    off = (
        datetime(2026, 6, 1, 3, 30, tzinfo=UTC),
        datetime(2026, 6, 1, 5, 30, tzinfo=UTC),
    )  # 9–11 IST
    slots = free_slots(
        windows=all_day(start=time(9), end=time(12)),
        busy=[off],
        duration=timedelta(minutes=30),
        rules=Rules(step_minutes=30),
        start_date=day,
        end_date=day,
        now=datetime(2026, 5, 1, tzinfo=UTC),
    )
    assert [local(s.start, "Asia/Kolkata").time() for s in slots] == [time(11), time(11, 30)]


def test_first_free_slot_is_the_earliest_of_free_slots():
    windows = all_day(weekdays=[2, 4], start=time(10), end=time(12))
    busy = [
        (datetime(2026, 6, 3, 4, 30, tzinfo=UTC), datetime(2026, 6, 3, 6, 30, tzinfo=UTC))
    ]  # Wed 10–12
    now = datetime(2026, 6, 1, tzinfo=UTC)
    rules = Rules(step_minutes=30)
    first = first_free_slot(
        windows=windows, busy=busy, duration=timedelta(minutes=30), rules=rules, now=now
    )
    assert local(first.start, "Asia/Kolkata") == datetime(2026, 6, 5, 10, 0)
    assert (
        first_free_slot(windows=[], busy=[], duration=timedelta(minutes=30), rules=rules, now=now)
        is None
    )


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_first_free_slot_agrees_with_the_full_list(case):
    rules = case["rules"]
    start = (case["now"] - timedelta(days=1)).date()
    end = (case["now"] + timedelta(days=rules.max_days_ahead + 1)).date()
    full = free_slots(**{**case, "start_date": start, "end_date": end})
    first = first_free_slot(
        windows=case["windows"],
        busy=case["busy"],
        duration=case["duration"],
        rules=rules,
        now=case["now"],
    )
    assert first == (full[0] if full else None)
