"""Moved to carebook.core.idempotency; these aliases go once carebook.fhir imports from there."""

from carebook.core.idempotency import HEADER, REPLAYED_HEADER, run_once

__all__ = ["HEADER", "REPLAYED_HEADER", "run_once"]
