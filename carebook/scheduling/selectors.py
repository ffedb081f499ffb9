"""Reads of scheduling: a practitioner's windows and rules, as the engine takes them."""

from collections import defaultdict
from collections.abc import Iterable

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


WINDOW_FIELDS = (
    "practitioner_id",
    "location_id",
    "location__time_zone",
    "weekday",
    "start_time",
    "end_time",
    "valid_from",
    "valid_until",
)


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
    for row in _window_rows(
        [practitioner_id], extra=("practitioner__booking_rules__auto_confirm",)
    ):
        windows.append(engine.Window(*row[1:8]))
        if row[8] is not None:
            rules, auto_confirm = engine.Rules(*row[8:13]), row[13]
    return windows, rules, auto_confirm


def _window_rows(
    practitioner_ids: Iterable[int], *, active_locations_only: bool = True, extra: tuple = ()
):
    qs = AvailabilityWindow.objects.filter(practitioner_id__in=list(practitioner_ids)).order_by()
    if active_locations_only:
        qs = qs.filter(location__is_active=True)
    rule_fields = [f"practitioner__booking_rules__{f}" for f in RULE_FIELDS[1:]]
    return qs.values_list(*WINDOW_FIELDS, *rule_fields, *extra)
