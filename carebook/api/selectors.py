"""Moved to carebook.clinic.lookups and carebook.accounts.selectors; these aliases go once
carebook.fhir imports from there."""

from carebook.accounts.selectors import user_get
from carebook.clinic.lookups import locations_by_id

__all__ = ["locations_by_id", "user_get"]
