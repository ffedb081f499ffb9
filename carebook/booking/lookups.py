"""Turn the ids a client sends into the objects a booking service takes, or refuse clearly.

Shared by the REST and FHIR endpoints so both answer the same way.
"""

from carebook.accounts.models import User
from carebook.accounts.selectors import user_get
from carebook.clinic.models import Location, Practitioner, Service
from carebook.clinic.selectors import location_get, practitioner_get, service_get
from carebook.core.errors import InvalidInput, PermissionDenied


def booking_patient(*, by: User, patient_id: int | None) -> User:
    """The patient a booking is for: the caller, or (for staff) the one named."""
    if patient_id is None:
        if not by.is_patient:
            raise InvalidInput("Say which patient this appointment is for.")
        return by
    patient = user_get(pk=patient_id)
    if patient is None:
        # Only staff may learn that an id is nobody's; others are refused as for anyone else.
        if not by.is_staff:
            raise PermissionDenied("You can only book appointments for yourself.")
        raise InvalidInput("There is no patient with that id.")
    return patient


def booking_practitioner(pk: int) -> Practitioner:
    practitioner = practitioner_get(pk=pk)
    if practitioner is None:
        raise InvalidInput("There is no practitioner with that id.")
    return practitioner


def booking_service(pk: int, *, practitioner: Practitioner | None = None) -> Service:
    service = service_get(pk=pk)
    if service is None or (practitioner is not None and service.practitioner_id != practitioner.pk):
        raise InvalidInput("This practitioner does not offer that service.")
    return service


def booking_location(pk: int) -> Location:
    location = location_get(pk=pk)
    if location is None:
        raise InvalidInput("There is no location with that id.")
    return location
