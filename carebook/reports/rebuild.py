"""Recomputing both rollups from the records: after a bulk load, a repair by hand, or a
location's new time zone (every visit's local day moves with it)."""

from collections.abc import Iterable

from carebook.reports.money import money_rebuild
from carebook.reports.rollup import rollup_rebuild


def rollups_rebuild(practitioner_ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Visits, then money. Returns the day rows written to each."""
    ids = None if practitioner_ids is None else list(practitioner_ids)
    return rollup_rebuild(ids), money_rebuild(ids)
