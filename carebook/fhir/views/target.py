"""What a FHIR request asks to book: a Slot, a proposed Appointment, or a start and participants."""

import re
from dataclasses import dataclass
from datetime import datetime

from fhir.resources.R4B.appointment import Appointment as FhirAppointment

from carebook.accounts.models import User
from carebook.booking.lookups import (
    booking_location,
    booking_mode,
    booking_offer,
    booking_patient,
    booking_practitioner,
    booking_service_lasting,
    booking_sole_location,
)
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_book, appointment_hold
from carebook.clinic.models import Location, Practitioner, Service, VisitMode
from carebook.core.errors import InvalidInput
from carebook.fhir import resources as res

_REFERENCE = re.compile(r"(?:^|/)(Practitioner|PractitionerRole|Location|Patient)/(\d{1,18})$")


@dataclass
class Target:
    """What to book, read from a FHIR request."""

    practitioner: Practitioner
    location: Location
    service: Service
    start: datetime
    mode: str = ""
    reason: str = ""
    patient_id: int | None = None

    def book(self, by: User, *, hold: bool = False) -> Appointment:
        patient = booking_patient(by=by, patient_id=self.patient_id)
        service = appointment_hold if hold else appointment_book
        return service(
            patient=patient,
            practitioner=self.practitioner,
            service=self.service,
            location=self.location,
            start=self.start,
            mode=booking_mode(self.practitioner, self.mode),
            reason=self.reason,
            by=by,
        )


def target_from_key(key: res.SlotKey, **extra) -> Target:
    practitioner, service = booking_offer(key.practitioner_id, key.service_id)
    return Target(
        practitioner=practitioner,
        location=booking_location(key.location_id),
        service=service,
        start=key.start,
        **extra,
    )


def _participants(appointment: FhirAppointment) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for participant in appointment.participant or []:
        ref = participant.actor.reference if participant.actor else None
        match = _REFERENCE.search(ref or "")
        if match:
            found.setdefault(match[1], []).append(int(match[2]))
    return found


def _codes(concepts, system: str) -> list[str]:
    return [
        coding.code
        for concept in concepts or []
        for coding in concept.coding or []
        if coding.code and coding.system in (None, system)
    ]


def target_from_resource(appointment: FhirAppointment, *, patient_id: int | None = None) -> Target:
    """A Slot reference, or start with Practitioner (and Location) participants; plus extras."""
    refs = _participants(appointment)
    patient_id = patient_id or next(iter(refs.get("Patient", [])), None)
    modes = _codes(
        [appointment.appointmentType] if appointment.appointmentType else [], res.VISIT_MODE_SYSTEM
    )
    if modes and modes[0] not in VisitMode.values:
        raise InvalidInput(f"appointmentType must be one of {', '.join(VisitMode.values)}.")
    reasons = [c.text for c in appointment.reasonCode or [] if c.text]
    extra = {
        "mode": modes[0] if modes else "",
        "reason": (reasons[0] if reasons else appointment.description or appointment.comment or ""),
        "patient_id": patient_id,
    }
    service_codes = _codes(appointment.serviceType, res.SERVICE_SYSTEM)
    if service_codes and not all(c.isdigit() and len(c) < 19 for c in service_codes):
        raise InvalidInput("serviceType must be a carebook service code.")
    slot_refs = [s.reference for s in appointment.slot or [] if s.reference]
    if slot_refs:
        key = res.SlotKey.parse(slot_refs[0].rsplit("Slot/", 1)[-1])
        if key is None:
            raise InvalidInput("That Slot is not one of ours.")
        target = target_from_key(key, **extra)
        if service_codes and int(service_codes[0]) != target.service.pk:
            raise InvalidInput("The serviceType does not match the Slot.")
        return target
    if appointment.start is None:
        raise InvalidInput(
            "Give a Slot reference, or a start with Practitioner and Location participants."
        )
    practitioner_ids = refs.get("Practitioner") or refs.get("PractitionerRole")
    if not practitioner_ids:
        raise InvalidInput("Name the practitioner: a participant Practitioner/<id>.")
    practitioner = booking_practitioner(practitioner_ids[0])
    if refs.get("Location"):
        location = booking_location(refs["Location"][0])
    else:
        location = booking_sole_location(practitioner)
        if location is None:
            raise InvalidInput("Name the location: a participant Location/<id>.")
    minutes = appointment.minutesDuration
    if appointment.end is not None:
        minutes = int((appointment.end - appointment.start).total_seconds() // 60)
    service = booking_service_lasting(
        practitioner=practitioner,
        minutes=minutes,
        service_id=int(service_codes[0]) if service_codes else None,
    )
    return Target(
        practitioner=practitioner,
        location=location,
        service=service,
        start=appointment.start,
        **extra,
    )
