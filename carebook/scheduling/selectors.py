"""Reads of scheduling: a practitioner's windows and rules, as the engine takes them."""

from collections import defaultdict
from collections.abc import Iterable
from functools import cache

from django.db import connections, router

from carebook.clinic.models import Location
from carebook.core.db import ids_param, in_ids_sql
from carebook.scheduling import engine
from carebook.scheduling.models import AvailabilityWindow, BookingRules

DEFAULT_RULES = engine.Rules(
    step_minutes=BookingRules._meta.get_field("slot_step_minutes").default,
    buffer_before_minutes=0,
    buffer_after_minutes=0,
    min_notice_minutes=BookingRules._meta.get_field("min_notice_minutes").default,
    max_days_ahead=BookingRules._meta.get_field("max_days_ahead").default,
)


def rules_to_engine(rules: BookingRules | None) -> engine.Rules:
    if rules is None:
        return DEFAULT_RULES
    return engine.Rules(
        step_minutes=rules.slot_step_minutes,
        buffer_before_minutes=rules.buffer_before_minutes,
        buffer_after_minutes=rules.buffer_after_minutes,
        min_notice_minutes=rules.min_notice_minutes,
        max_days_ahead=rules.max_days_ahead,
    )


RULE_FIELDS = (
    "practitioner_id",
    "slot_step_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "max_days_ahead",
)


def rules_for(practitioner_ids: Iterable[int]) -> dict[int, engine.Rules]:
    ids = list(practitioner_ids)
    found = {
        row[0]: engine.Rules(*row[1:])
        for row in BookingRules.objects.filter(practitioner_id__in=ids).values_list(*RULE_FIELDS)
    }
    return {pid: found.get(pid, DEFAULT_RULES) for pid in ids}


def windows_for(
    practitioner_ids: Iterable[int], *, active_locations_only: bool = True
) -> dict[int, list[engine.Window]]:
    return windows_and_rules_for(practitioner_ids, active_locations_only=active_locations_only)[0]


def windows_and_rules_for(
    practitioner_ids: Iterable[int], *, active_locations_only: bool = True
) -> tuple[dict[int, list[engine.Window]], dict[int, engine.Rules]]:
    """Weekly windows and booking rules of each practitioner, in one query.

    Rules are returned only for practitioners that have windows (no windows, no slots).
    """
    windows: dict[int, list[engine.Window]] = defaultdict(list)
    rules: dict[int, engine.Rules] = {}
    for row in _window_rows(practitioner_ids, active_locations_only=active_locations_only):
        pid = row[0]
        windows[pid].append(engine.Window(*row[1:8]))
        if pid not in rules:
            rules[pid] = engine.Rules(*row[8:13]) if row[8] is not None else DEFAULT_RULES
    return windows, rules


def booking_schedule(practitioner_id: int) -> tuple[list[engine.Window], engine.Rules, bool]:
    """One practitioner's windows, rules and whether they auto-confirm: what a booking reads,
    in one query (no windows: nothing to book, rules and auto-confirm are then moot)."""
    windows = []
    rules, auto_confirm = DEFAULT_RULES, False
    for row in _window_rows([practitioner_id]):
        windows.append(engine.Window(*row[1:8]))
        if row[8] is not None:
            rules, auto_confirm = engine.Rules(*row[8:13]), bool(row[13])
    return windows, rules, auto_confirm


# Read as the engine's Window takes them, after the location and its zone.
WINDOW_FIELDS = ("weekday", "start_time", "end_time", "valid_from", "valid_until")


@cache
def _window_sql(alias: str, active_locations_only: bool, one: bool) -> str:
    """Windows with their location's zone and the practitioner's rules (NULLs without rules)."""
    connection = connections[alias]
    q = connection.ops.quote_name
    window, location, rules = (
        AvailabilityWindow._meta,
        Location._meta,
        BookingRules._meta,
    )

    def col(meta, table, name):
        return f"{table}.{q(meta.get_field(name).column)}"

    pid = col(window, "w", "practitioner")
    columns = [
        pid,
        col(window, "w", "location"),
        col(location, "l", "time_zone"),
        *(col(window, "w", f) for f in WINDOW_FIELDS),
        *(col(rules, "r", f) for f in RULE_FIELDS[1:]),
        col(rules, "r", "auto_confirm"),
    ]
    active = f" AND {col(location, 'l', 'is_active')}" if active_locations_only else ""
    who = in_ids_sql(connection.vendor, pid, one=one)
    # Names come from the models' meta; values are always parameters.
    return (
        f"SELECT {', '.join(columns)} FROM {q(window.db_table)} w "  # noqa: S608
        f"JOIN {q(location.db_table)} l ON l.{q(location.pk.column)} = "
        f"{col(window, 'w', 'location')} "
        f"LEFT JOIN {q(rules.db_table)} r ON {col(rules, 'r', 'practitioner')} = {pid} "
        f"WHERE {who}{active}"
    )


def _window_rows(practitioner_ids: Iterable[int], *, active_locations_only: bool = True):
    """Rows of (practitioner id, the engine's Window fields, its Rules fields, auto-confirm)."""
    ids = [int(pid) for pid in practitioner_ids]
    if not ids:
        return []
    alias = router.db_for_read(AvailabilityWindow)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(
            _window_sql(alias, active_locations_only, len(ids) == 1),
            [ids_param(ids)],
        )
        # Times and dates come back as such on both (SQLite's driver parses declared types).
        return cursor.fetchall()
