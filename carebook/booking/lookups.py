"""Turn the ids a client sends into the objects a booking service takes, or refuse clearly.

Shared by the REST and FHIR endpoints so both answer the same way.
"""

from carebook.accounts.models import User
from carebook.accounts.selectors import user_get
from carebook.clinic.models import Location, Practitioner, Service, VisitMode
from carebook.clinic.selectors import (
    location_get,
    practitioner_get,
    practitioners_bookable,
    service_get,
    service_of_practitioner_get,
)
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


def proposal_patient(*, by: User | None, patient_id: int | None) -> User | None:
    """The patient free times may be proposed for: staff name anyone, a patient only themselves.

    Anyone else (or nobody named) gets proposals for no one in particular.
    """
    if patient_id is None or by is None:
        return None
    if by.is_staff:
        return user_get(pk=patient_id)
    if by.is_patient and by.pk == patient_id:
        return by
    return None


def booking_practitioner(pk: int) -> Practitioner:
    practitioner = practitioner_get(pk=pk)
    if practitioner is None:
        raise InvalidInput("There is no practitioner with that id.")
    return practitioner


def booking_service(pk: int, *, practitioner: Practitioner | None = None) -> Service:
    service = service_get(pk=pk)
    if service is None or (practitioner is not None and service.practitioner_id != practitioner.pk):
        raise InvalidInput("This practitioner does not offer that service.")
    if practitioner is not None:
        service.practitioner = practitioner  # its fee is the price: no second read of the row
    return service


def booking_offer(practitioner_id: int, service_id: int) -> tuple[Practitioner, Service]:
    """The practitioner (with their user and rules) and the service a booking names, read
    together when the service is theirs. Otherwise each is looked up alone, as
    `booking_practitioner` and `booking_service` do: a service of someone else's is then
    refused by the booking itself, after the checks that come first there."""
    service = service_of_practitioner_get(pk=service_id, practitioner_id=practitioner_id)
    if service is not None:
        return service.practitioner, service
    return booking_practitioner(practitioner_id), booking_service(service_id)


def booking_location(pk: int) -> Location:
    location = location_get(pk=pk)
    if location is None:
        raise InvalidInput("There is no location with that id.")
    return location


def booking_sole_location(practitioner: Practitioner) -> Location | None:
    """Where to book when no location is named: the practitioner's only schedule, if just one.

    A schedule is a bookable practitioner's windows at an open location; None when there are
    several or none, so the caller must ask which.
    """
    locations = list(
        Location.objects.filter(
            is_active=True,
            windows__practitioner__in=practitioners_bookable().filter(pk=practitioner.pk),
        )
        .distinct()
        .order_by("pk")[:2]
    )
    return locations[0] if len(locations) == 1 else None


def booking_service_lasting(
    *, practitioner: Practitioner, minutes: int | None, service_id: int | None = None
) -> Service:
    """The service for a visit of `minutes`: the one named, which must last that long, or else
    the practitioner's shortest active service that does (the shortest of all if `minutes` is
    None)."""
    if service_id is not None:
        service = booking_service(service_id, practitioner=practitioner)
    else:
        active = sorted(
            Service.objects.filter(practitioner=practitioner, is_active=True),
            key=lambda s: (s.duration_minutes, s.pk),
        )
        service = next(
            (s for s in active if minutes is None or s.duration_minutes == minutes), None
        )
        if service is None:
            raise InvalidInput("No service of this practitioner lasts that long.")
    if minutes is not None and minutes != service.duration_minutes:
        raise InvalidInput(
            f"{service.name} lasts {service.duration_minutes} minutes; the end does not match."
        )
    return service


def booking_mode(practitioner: Practitioner, requested: str | None = None) -> str:
    """The visit mode to book: the one asked for, else in person if offered, else video.

    Whether the practitioner offers the mode is for the booking service to check.
    """
    if requested:
        return requested
    return VisitMode.IN_PERSON if practitioner.offers_in_person else VisitMode.VIDEO
