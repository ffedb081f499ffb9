"""carebook objects as FHIR R4 resources (plain dicts), and the ids that name them.

Ids: Practitioner, PractitionerRole and Location use the row's id; a Schedule is one practitioner
at one location, "{practitioner}-{location}"; a Slot adds the service and the UTC start,
"{practitioner}-{location}-{service}-{YYYYMMDDhhmmss}", so a free slot (which is computed, never
stored) has the same id every time it is offered; a proposed Appointment from $find is
"proposed-{slot id}".
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from carebook.booking.models import Appointment
from carebook.clinic.models import Location, Practitioner, Service, Specialty, VisitMode
from carebook.core.timeutils import zone
from carebook.fhir.responses import FhirError

SERVICE_SYSTEM = "urn:carebook:service"
PRACTITIONER_SYSTEM = "urn:carebook:practitioner"
REGISTRATION_SYSTEM = "urn:carebook:registration"
PATIENT_SYSTEM = "urn:carebook:patient"
SPECIALTY_SYSTEM = "urn:carebook:specialty"
VISIT_MODE_SYSTEM = "urn:carebook:visit-mode"
LANGUAGE_SYSTEM = "urn:ietf:bcp:47"
TIMEZONE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/timezone"
PROPOSED_PREFIX = "proposed-"

S = Appointment.Status
# A request is booked: its time is kept, as IHE ITI-117 expects of a successful $book; the
# practitioner's participation (needs-action until they confirm) says it awaits their answer.
APPOINTMENT_STATUS = {
    S.HELD: "pending",
    S.REQUESTED: "booked",
    S.CONFIRMED: "booked",
    S.REJECTED: "cancelled",
    S.CANCELLED: "cancelled",
    S.COMPLETED: "fulfilled",
    S.NO_SHOW: "noshow",
    S.EXPIRED: "cancelled",
}
# The carebook statuses each FHIR status stands for (to search by FHIR status).
STATUS_FROM_FHIR: dict[str, list[str]] = {}
for _ours, _theirs in APPOINTMENT_STATUS.items():
    STATUS_FROM_FHIR.setdefault(_theirs, []).append(_ours)

PRACTITIONER_PARTICIPATION = {
    S.HELD: "needs-action",
    S.REQUESTED: "needs-action",
    S.CONFIRMED: "accepted",
    S.COMPLETED: "accepted",
    S.NO_SHOW: "accepted",
    S.REJECTED: "declined",
    S.CANCELLED: "declined",
    S.EXPIRED: "declined",
}

STAMP = "%Y%m%d%H%M%S"
LAST_START = datetime(9000, 1, 1, tzinfo=UTC)
_SLOT_ID = re.compile(r"^(\d{1,18})-(\d{1,18})-(\d{1,18})-(\d{14})$")
_SCHEDULE_ID = re.compile(r"^(\d{1,18})-(\d{1,18})$")


@dataclass(frozen=True)
class SlotKey:
    practitioner_id: int
    location_id: int
    service_id: int
    start: datetime  # UTC

    @property
    def id(self) -> str:
        return (
            f"{self.practitioner_id}-{self.location_id}-{self.service_id}-"
            f"{self.start.astimezone(UTC).strftime(STAMP)}"
        )

    @property
    def schedule_id(self) -> str:
        return schedule_id(self.practitioner_id, self.location_id)

    @classmethod
    def parse(cls, value: str) -> "SlotKey | None":
        match = _SLOT_ID.match(value or "")
        if not match:
            return None
        try:
            start = datetime.strptime(match[4], STAMP).replace(tzinfo=UTC)
        except ValueError:
            return None
        if start >= LAST_START:
            # The calendar arithmetic around such a start would leave datetime's range.
            raise FhirError(400, "invalid", "That slot starts later than any slot offered here.")
        return cls(int(match[1]), int(match[2]), int(match[3]), start)


def schedule_id(practitioner_id: int, location_id: int) -> str:
    return f"{practitioner_id}-{location_id}"


def parse_schedule_id(value: str) -> tuple[int, int] | None:
    match = _SCHEDULE_ID.match(value or "")
    return (int(match[1]), int(match[2])) if match else None


def instant(value: datetime, time_zone: str = "UTC") -> str:
    """An aware time as FHIR wants it: seconds precision, with the offset of `time_zone`."""
    return value.astimezone(zone(time_zone)).isoformat(timespec="seconds")


def reference(kind: str, pk, display: str = "") -> dict:
    ref = {"reference": f"{kind}/{pk}"}
    if display:
        ref["display"] = display
    return ref


def service_concept(service: Service) -> dict:
    return {
        "coding": [{"system": SERVICE_SYSTEM, "code": str(service.pk), "display": service.name}],
        "text": f"{service.name} ({service.duration_minutes} min)",
    }


def specialty_concept(specialty: Specialty) -> dict:
    return {
        "coding": [{"system": SPECIALTY_SYSTEM, "code": specialty.slug, "display": specialty.name}],
        "text": specialty.name,
    }


def mode_concept(mode: str) -> dict:
    label = str(VisitMode(mode).label) if mode in VisitMode.values else mode
    return {
        "coding": [{"system": VISIT_MODE_SYSTEM, "code": mode, "display": label}],
        "text": label,
    }


def practitioner_resource(practitioner: Practitioner) -> dict:
    name = {"use": "official", "text": practitioner.display_name}
    if practitioner.title:
        name["prefix"] = [practitioner.title]
    identifiers = [{"system": PRACTITIONER_SYSTEM, "value": str(practitioner.pk)}]
    if practitioner.registration_number:
        registration = {"system": REGISTRATION_SYSTEM, "value": practitioner.registration_number}
        if practitioner.registration_council:
            registration["assigner"] = {"display": practitioner.registration_council}
        identifiers.append(registration)
    resource = {
        "resourceType": "Practitioner",
        "id": str(practitioner.pk),
        "identifier": identifiers,
        "active": True,
        "name": [name],
    }
    if practitioner.gender:
        resource["gender"] = practitioner.gender
    if practitioner.qualifications:
        resource["qualification"] = [{"code": {"text": practitioner.qualifications}}]
    languages = list(practitioner.languages.all())
    if languages:
        resource["communication"] = [
            {
                "coding": [{"system": LANGUAGE_SYSTEM, "code": lang.code, "display": lang.name}],
                "text": lang.name,
            }
            for lang in languages
        ]
    return resource


def practitioner_role_resource(practitioner: Practitioner, locations: list[Location]) -> dict:
    resource = {
        "resourceType": "PractitionerRole",
        "id": str(practitioner.pk),
        "active": True,
        "practitioner": reference("Practitioner", practitioner.pk, practitioner.display_name),
        "code": [{"text": practitioner.get_kind_display()}],
    }
    specialties = list(practitioner.specialties.all())
    if specialties:
        resource["specialty"] = [specialty_concept(s) for s in specialties]
    if locations:
        resource["location"] = [reference("Location", loc.pk, loc.name) for loc in locations]
    return resource


def location_resource(location: Location) -> dict:
    resource = {
        "resourceType": "Location",
        "id": str(location.pk),
        "extension": [{"url": TIMEZONE_EXTENSION, "valueCode": location.time_zone}],
        "status": "active" if location.is_active else "inactive",
        "name": location.name,
        "mode": "instance",
        "address": {"text": location.address or location.city, "city": location.city},
    }
    if location.phone:
        resource["telecom"] = [{"system": "phone", "value": location.phone}]
    return resource


def schedule_resource(
    practitioner: Practitioner, location: Location, *, horizon_days: int, now: datetime
) -> dict:
    resource = {
        "resourceType": "Schedule",
        "id": schedule_id(practitioner.pk, location.pk),
        "active": True,
        "actor": [
            reference("Practitioner", practitioner.pk, practitioner.display_name),
            reference("Location", location.pk, location.name),
        ],
        "planningHorizon": {
            "start": instant(now, location.time_zone),
            "end": instant(now + timedelta(days=horizon_days), location.time_zone),
        },
    }
    services = [s for s in practitioner.services.all() if s.is_active]
    if services:
        resource["serviceType"] = [service_concept(s) for s in services]
    specialties = list(practitioner.specialties.all())
    if specialties:
        resource["specialty"] = [specialty_concept(s) for s in specialties]
    return resource


def slot_resource(
    key: SlotKey, *, end: datetime, status: str, service: Service, time_zone: str
) -> dict:
    return {
        "resourceType": "Slot",
        "id": key.id,
        "serviceType": [service_concept(service)],
        "schedule": {"reference": f"Schedule/{key.schedule_id}"},
        "status": status,
        "start": instant(key.start, time_zone),
        "end": instant(end, time_zone),
    }


def _minutes(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


def appointment_resource(appointment: Appointment, *, cancel_reason: str = "") -> dict:
    """A stored appointment; `cancel_reason` is shown only when it is cancelled."""
    tz = appointment.location.time_zone
    fhir_status = APPOINTMENT_STATUS[appointment.status]
    cancelled = fhir_status == "cancelled"
    key = SlotKey(
        appointment.practitioner_id,
        appointment.location_id,
        appointment.service_id,
        appointment.start.astimezone(UTC),
    )
    resource = {
        "resourceType": "Appointment",
        "id": str(appointment.pk),
        "meta": {
            "versionId": str(appointment.version),
            "lastUpdated": instant(appointment.updated_at),
        },
        "status": fhir_status,
    }
    if cancelled and cancel_reason:
        resource["cancelationReason"] = {"text": cancel_reason}
    resource.update(
        {
            "serviceType": [service_concept(appointment.service)],
            "appointmentType": mode_concept(appointment.mode),
        }
    )
    if appointment.reason:
        resource["reasonCode"] = [{"text": appointment.reason}]
    resource.update(
        {
            "start": instant(appointment.start, tz),
            "end": instant(appointment.end, tz),
            "minutesDuration": _minutes(appointment.start, appointment.end),
            "slot": [{"reference": f"Slot/{key.id}"}],
            "created": instant(appointment.created_at, tz),
            "participant": [
                {
                    "actor": reference(
                        "Patient", appointment.patient_id, appointment.patient.full_name
                    ),
                    "required": "required",
                    "status": "declined" if cancelled else "accepted",
                },
                {
                    "actor": reference(
                        "Practitioner",
                        appointment.practitioner_id,
                        appointment.practitioner.display_name,
                    ),
                    "required": "required",
                    "status": PRACTITIONER_PARTICIPATION[appointment.status],
                },
                {
                    "actor": reference(
                        "Location", appointment.location_id, appointment.location.name
                    ),
                    "required": "required",
                    "status": "declined" if cancelled else "accepted",
                },
            ],
        }
    )
    return resource


def patient_resource(patient, profile=None) -> dict:
    """A patient (a user with the patient role) and what their profile says of them."""
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [{"system": PATIENT_SYSTEM, "value": str(patient.pk)}],
        "active": patient.is_active,
        "name": [{"text": patient.full_name}],
    }
    telecom = []
    if patient.has_mailbox:
        telecom.append({"system": "email", "value": patient.email})
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if telecom:
        resource["telecom"] = telecom
    if profile is not None:
        gender = PATIENT_GENDER.get(profile.gender)
        if gender:
            resource["gender"] = gender
        if profile.date_of_birth:
            resource["birthDate"] = profile.date_of_birth.isoformat()
        if profile.address:
            resource["address"] = [{"text": profile.address}]
    return resource


# FHIR's administrative genders; "prefer not to say" is left out rather than called unknown.
PATIENT_GENDER = {"female": "female", "male": "male", "other": "other"}


def proposed_appointment_resource(
    key: SlotKey,
    *,
    end: datetime,
    practitioner: Practitioner,
    location: Location,
    service: Service,
    patient=None,
    requested: tuple[datetime, datetime] | None = None,
) -> dict:
    """A free slot offered by $find, as a proposed Appointment that $hold or $book accept;
    `requested` is the period searched (IHE's requestedPeriod)."""
    participants = []
    if patient is not None:
        participants.append(
            {
                "actor": reference("Patient", patient.pk, patient.full_name),
                "required": "required",
                "status": "needs-action",
            }
        )
    participants += [
        {
            "actor": reference("Practitioner", practitioner.pk, practitioner.display_name),
            "required": "required",
            "status": "needs-action",
        },
        {
            "actor": reference("Location", location.pk, location.name),
            "required": "required",
            "status": "needs-action",
        },
    ]
    resource = {
        "resourceType": "Appointment",
        "id": PROPOSED_PREFIX + key.id,
        "status": "proposed",
        "serviceType": [service_concept(service)],
        "start": instant(key.start, location.time_zone),
        "end": instant(end, location.time_zone),
        "minutesDuration": _minutes(key.start, end),
        "slot": [{"reference": f"Slot/{key.id}"}],
        "participant": participants,
    }
    if requested is not None:
        resource["requestedPeriod"] = [
            {"start": instant(requested[0]), "end": instant(requested[1])}
        ]
    return resource
