from datetime import UTC, datetime

import pytest

from carebook.booking.models import Appointment
from carebook.fhir.resources import (
    APPOINTMENT_STATUS,
    PRACTITIONER_PARTICIPATION,
    STATUS_FROM_FHIR,
    SlotKey,
    parse_schedule_id,
)
from carebook.fhir.tests.conftest import APPOINTMENT_STATUSES, PARTICIPATION_STATUSES


def test_every_carebook_status_maps_into_the_official_value_sets():
    assert set(APPOINTMENT_STATUS) == set(Appointment.Status.values)
    assert set(APPOINTMENT_STATUS.values()) <= APPOINTMENT_STATUSES
    assert set(PRACTITIONER_PARTICIPATION) == set(Appointment.Status.values)
    assert set(PRACTITIONER_PARTICIPATION.values()) <= PARTICIPATION_STATUSES


def test_the_status_mapping_is_the_agreed_one():
    assert APPOINTMENT_STATUS == {
        "held": "pending",
        "requested": "booked",
        "confirmed": "booked",
        "rejected": "cancelled",
        "cancelled": "cancelled",
        "completed": "fulfilled",
        "no_show": "noshow",
        "expired": "cancelled",
    }
    assert sorted(STATUS_FROM_FHIR["cancelled"]) == ["cancelled", "expired", "rejected"]


def test_slot_ids_round_trip_and_are_valid_fhir_ids():
    key = SlotKey(12, 3, 45, datetime(2026, 3, 3, 3, 30, tzinfo=UTC))
    assert key.id == "12-3-45-20260303033000"
    assert SlotKey.parse(key.id) == key
    assert key.schedule_id == "12-3"
    # FHIR ids are at most 64 characters: room for row ids up to a trillion, "proposed-" too.
    huge = 10**12 - 1
    assert len("proposed-" + SlotKey(huge, huge, huge, key.start).id) <= 64


@pytest.mark.parametrize(
    "value", ["", "1-2-3", "1-2-3-2026", "a-2-3-20260303033000", "1-2-3-20261303033000"]
)
def test_bad_slot_ids_parse_to_none(value):
    assert SlotKey.parse(value) is None


def test_schedule_ids():
    assert parse_schedule_id("7-9") == (7, 9)
    assert parse_schedule_id("7") is None
