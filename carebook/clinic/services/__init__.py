"""Writes on the clinic, one module per use case; the names are re-exported here so callers
write `from carebook.clinic import services` or `from carebook.clinic.services import name`."""

from carebook.clinic.services.contact import contact_message_create, contact_message_mark_handled
from carebook.clinic.services.guards import ensure_can_manage_practitioner, validate_or_refuse
from carebook.clinic.services.profile import (
    PHOTO_FORMATS,
    PHOTO_MAX_BYTES,
    PHOTO_MAX_SIDE,
    practitioner_photo_check,
    practitioner_profile_update,
    service_create,
    service_update,
)
from carebook.clinic.services.registration import (
    patient_register,
    practitioner_create_verified,
    practitioner_register,
)
from carebook.clinic.services.verification import (
    REGISTRATION_REJECTED,
    practitioner_registration_reject,
    practitioner_unverify,
    practitioner_verify,
)

__all__ = [
    "PHOTO_FORMATS",
    "PHOTO_MAX_BYTES",
    "PHOTO_MAX_SIDE",
    "REGISTRATION_REJECTED",
    "contact_message_create",
    "contact_message_mark_handled",
    "ensure_can_manage_practitioner",
    "patient_register",
    "practitioner_create_verified",
    "practitioner_photo_check",
    "practitioner_profile_update",
    "practitioner_register",
    "practitioner_registration_reject",
    "practitioner_unverify",
    "practitioner_verify",
    "service_create",
    "service_update",
    "validate_or_refuse",
]
