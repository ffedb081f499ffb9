"""Each practitioner's next free start and free days, kept as stored derived state (`NextFree`).

The directory sorts and filters on it instead of computing free time for every match. Any
change that can move it enqueues `next_free_refresh` in the changing transaction (see
`signals.py` and the appointment event); as time passes, a row goes stale at its
`fresh_until` and the periodic sweep recomputes it. Readers never trust a stale or missing
row: they compute those few live (and write nothing).

Why time alone changes so little: as it passes, slots only fall off the front (the first
free slot goes first, and `fresh_until` is set there), an expiring hold gives time back (its
expiry is in `fresh_until` too), and days enter the horizon (the bounds `days_known` and
`days_possible`, and a recompute at least every `LONGEST_FRESH`).

The lag between a change's commit and its stored value is the task queue's latency; the page
a reader is shown is always computed exactly.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Coalesce

from carebook.booking.availability import free_time, next_free_slots
from carebook.booking.models import Appointment, NextFree
from carebook.clinic.models import Practitioner
from carebook.clinic.selectors import practitioners_bookable
from carebook.core.compiled import Compiled
from carebook.core.db import EpochSeconds
from carebook.core.timeutils import now as utcnow
from carebook.scheduling.selectors import rules_for

# With nothing free inside the horizon, look again as days enter it.
EMPTY_RECHECK = timedelta(hours=1)
# However calm a calendar, its stored value is recomputed at least this often.
LONGEST_FRESH = timedelta(hours=6)
# The finest time both databases store.
ONE_TICK = timedelta(microseconds=1)
# Local dates run from UTC-12 to UTC+14.
WEST, EAST = timedelta(hours=12), timedelta(hours=14)


def _holds(ids: list[int], *, now: datetime) -> dict[int, list[datetime]]:
    """When each practitioner's unexpired holds run out (and give their time back)."""
    out: dict[int, list[datetime]] = {}
    for pid, held_until in Appointment.objects.filter(
        practitioner_id__in=ids, status=Appointment.Status.HELD, held_until__gt=now
    ).values_list("practitioner_id", "held_until"):
        out.setdefault(pid, []).append(held_until)
    return out


def _fresh_until(start, *, notice_minutes: int, holds, now: datetime) -> datetime:
    """When time alone can move the stored value.

    It holds while now < this instant (a slot is bookable up to exactly its notice).
    """
    until = now + (EMPTY_RECHECK if start is None else LONGEST_FRESH)
    if start is not None:
        until = min(until, start - timedelta(minutes=notice_minutes) + ONE_TICK)
    return max(min([until, *holds]), now)


def _bits(days: Iterable[date], base: date) -> str:
    return format(sum(1 << (day - base).days for day in days), "x")


def _has_bit(bits: str | None, day: date, base: date) -> bool:
    offset = (day - base).days
    return bool(bits) and offset >= 0 and bool(int(bits, 16) >> offset & 1)


def next_free_compute(practitioner_ids: Iterable[int], *, now: datetime) -> dict[int, dict]:
    """The fields of each practitioner's `NextFree` row, computed exactly at `now`."""
    ids = list(practitioner_ids)
    rules = rules_for(ids)
    base = (now - timedelta(days=1)).date()
    beyond = (LONGEST_FRESH + EAST).days + 2
    horizon = max((r.max_days_ahead for r in rules.values()), default=0)
    free = free_time(
        ids,
        first_day=base,
        last_day=(now + timedelta(days=horizon + beyond)).date(),
        now=now,
        beyond_horizon=beyond,
    )
    holds = _holds(ids, now=now)
    out = {}
    for pid in ids:
        first, days = free[pid].first, free[pid].days
        ahead = now + timedelta(days=rules[pid].max_days_ahead)
        known = (ahead - WEST - timedelta(days=1)).date()
        possible = (ahead + LONGEST_FRESH + EAST).date()
        out[pid] = {
            "start": first.start if first else None,
            "location_id": first.location_id if first else None,
            "free_days": {
                _key(location_id): _bits((d for d in found if d <= known), base)
                for location_id, found in days.items()
            },
            "edge_days": {
                _key(location_id): {
                    d.isoformat(): int(start.timestamp())
                    for d, start in found.items()
                    if known < d <= possible
                }
                for location_id, found in days.items()
            },
            "days_from": base,
            "days_known": known,
            "days_possible": possible,
            "horizon_days": rules[pid].max_days_ahead,
            "fresh_until": _fresh_until(
                first.start if first else None,
                notice_minutes=rules[pid].min_notice_minutes,
                holds=holds.get(pid, ()),
                now=now,
            ),
            "computed_at": now,
        }
    return out


def _key(location_id: int | None) -> str:
    """The JSON key of a location's days (word keys: a digit key is an array index in SQL)."""
    return "any" if location_id is None else f"at{location_id}"


def next_free_store(practitioner_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Recompute and store the rows of these practitioners; returns how many."""
    ids = list(dict.fromkeys(practitioner_ids))
    if not ids:
        return 0
    # Stamped before the reads: a computation that read older state never wins over this one.
    now = now or utcnow()
    rows = next_free_compute(ids, now=now)
    with transaction.atomic():
        for pid, row in rows.items():
            updated = NextFree.objects.filter(practitioner_id=pid, computed_at__lte=now).update(
                **row
            )
            if not updated:
                NextFree.objects.bulk_create(
                    [NextFree(practitioner_id=pid, **row)], ignore_conflicts=True
                )
    return len(rows)


NOTHING = -1  # a fresh row saying nothing is free


def _stored_starts(practitioners: QuerySet[Practitioner], now: datetime) -> QuerySet:
    """(id, stored next free start in epoch seconds) of the practitioners: NOTHING for a
    fresh row saying nothing is free, NULL for a stale or missing row."""
    fresh = NextFree.objects.filter(practitioner_id=OuterRef("pk"), fresh_until__gt=now)
    return (
        practitioners.order_by()
        .annotate(at=Subquery(fresh.values(at=Coalesce(EpochSeconds("start"), Value(NOTHING)))))
        .values_list("pk", "at")
    )


# The directory's commonest read, unfiltered: built once (`core.compiled`).
_ALL_STORED = Compiled(Practitioner, lambda now: _stored_starts(practitioners_bookable(), now))


def next_free_order(practitioners: QuerySet[Practitioner] | None, *, now: datetime) -> list[int]:
    """The practitioners' ids (None: every bookable one), earliest next free start first
    (nothing free last, then by id).

    Stored starts where fresh, read with the ids in one query; the rest computed (not stored:
    a read never writes).
    """
    rows = _ALL_STORED.rows(now) if practitioners is None else _stored_starts(practitioners, now)
    starts: dict[int, int | None] = {}
    stale = []
    for pid, at in rows:
        if at is None:
            stale.append(pid)
        else:
            starts[pid] = None if at == NOTHING else at
    if stale:
        for pid, slot in next_free_slots(practitioner_ids=stale, now=now).items():
            starts[pid] = int(slot.start.timestamp()) if slot else None
    never = float("inf")  # nothing free: last
    return sorted(starts, key=lambda pid: (never if starts[pid] is None else starts[pid], pid))


def free_on(
    ids: list[int],
    day: date,
    *,
    now: datetime,
    location_id: int | None = None,
    among: QuerySet[Practitioner] | None = None,
) -> set[int]:
    """Those of `ids` with a free slot on the local date `day` (at `location_id` if given).

    Answered from the stored rows; practitioners without a fresh row are computed. `among`,
    the query `ids` came from, makes a cheaper filter than the list.
    """
    key = _key(location_id)
    free, decided = set(), set()
    within = among.values("pk") if among is not None else ids
    rows = NextFree.objects.filter(practitioner_id__in=within, fresh_until__gt=now).values_list(
        "practitioner_id",
        KeyTextTransform(key, "free_days"),
        KeyTextTransform(day.isoformat(), KeyTransform(key, "edge_days")),
        "days_from",
        "days_known",
        "days_possible",
        "horizon_days",
    )
    for pid, bits, edge_start, base, known, possible, horizon in rows:
        decided.add(pid)
        if _has_bit(bits, day, base):
            free.add(pid)
        elif known < day <= possible and edge_start is not None:
            if int(edge_start) <= (now + timedelta(days=horizon)).timestamp():
                free.add(pid)
    unsure = [pid for pid in ids if pid not in decided]
    if unsure:
        found = free_time(unsure, first_day=day - timedelta(days=1), last_day=day, now=now)
        free.update(pid for pid in unsure if day in found[pid].days.get(location_id, ()))
    return free


def next_free_stale(*, now: datetime, limit: int) -> list[int]:
    """Bookable practitioners whose stored row is missing or has gone stale."""
    return list(
        practitioners_bookable()
        .filter(
            ~Q(pk__in=NextFree.objects.values("practitioner_id"))
            | Q(pk__in=NextFree.objects.filter(fresh_until__lte=now).values("practitioner_id"))
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
