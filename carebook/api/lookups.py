"""Moved to carebook.booking.lookups; these aliases go once carebook.fhir imports from there."""

from carebook.booking.lookups import (
    booking_location,
    booking_patient,
    booking_practitioner,
    booking_service,
)

__all__ = ["booking_location", "booking_patient", "booking_practitioner", "booking_service"]
