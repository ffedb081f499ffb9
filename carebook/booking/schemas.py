"""Request and response shapes of appointments and of the directory's free time."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import BaseModel

from carebook.booking.models import Appointment
from carebook.clinic.models import Gender, VisitMode
from carebook.clinic.schemas import LanguageOut, LocationOut, ServiceOut, SpecialtyOut
from carebook.core.schemas import (
    ApiDate,
    ApiDateTime,
    DateOrInstant,
    Id,
    Page,
    PersonOut,
    text,
)

# Directory ---------------------------------------------------------------------------------------


class SlotOut(BaseModel):
    # A plain pydantic model: slot lists run to hundreds of items, and ninja's Schema adds an
    # ORM-reading wrapper to every one of them that plain data does not need.
    start: datetime = Field(
        description="ISO 8601 with the location's UTC offset.",
        examples=["2026-03-03T09:00:00+05:30"],
    )
    end: datetime = Field(examples=["2026-03-03T09:30:00+05:30"])
    location_id: int
    service_id: int


class PractitionerOut(Schema):
    id: int
    name: str = Field(examples=["Dr. Asha Rao"])
    title: str = Field(examples=["Dr."])
    kind: Literal["doctor", "therapist"]
    gender: Literal["female", "male", "other", ""]
    specialties: list[SpecialtyOut]
    languages: list[LanguageOut]
    qualifications: str
    years_experience: int
    bio: str
    consultation_fee: Decimal
    visit_modes: list[VisitMode]
    services: list[ServiceOut]
    locations: list[LocationOut]
    next_free_slot: SlotOut | None = Field(
        description="The earliest free slot for the practitioner's shortest service."
    )


class PractitionerPage(Page):
    results: list[PractitionerOut]


class PractitionerFilters(Schema):
    q: text(100) = Field("", description="Part of a name or a specialty.")
    specialty: text(100) = Field("", description="Specialty slug.", examples=["cardiology"])
    city: text(80) = ""
    location_id: Id | None = None
    gender: Gender | None = None
    language: text(8) = Field("", description="ISO 639-1 code.", examples=["hi"])
    fee_min: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    fee_max: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    min_experience: int | None = Field(None, ge=0, le=70)
    mode: VisitMode | None = None
    available_on: ApiDate | None = Field(None, description="Only those with a free slot that day.")
    sort: Literal["earliest", "fee", "fee_desc", "experience", "rating"] = "earliest"
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100)


class SlotQuery(Schema):
    start: DateOrInstant = Field(
        description="First day (YYYY-MM-DD, in the location's time zone) or an instant with "
        "offset; slots starting before it are left out.",
        examples=["2026-03-03"],
    )
    end: DateOrInstant = Field(
        description="Last day, inclusive (YYYY-MM-DD), or an instant with offset (exclusive).",
        examples=["2026-03-09"],
    )
    service_id: Id | None = Field(None, description="Defaults to the shortest service.")
    location_id: Id | None = None


# Appointments ------------------------------------------------------------------------------------


class AppointmentOut(Schema):
    id: int
    status: Appointment.Status
    start: datetime = Field(examples=["2026-03-03T09:00:00+05:30"])
    end: datetime = Field(examples=["2026-03-03T09:30:00+05:30"])
    practitioner: PersonOut
    patient: PersonOut
    location: LocationOut
    service: ServiceOut
    mode: VisitMode
    reason: str
    price: Decimal
    held_until: datetime | None
    payment_due: bool = Field(
        description="Held until paid online (POST /appointments/{id}/pay); the clinic takes "
        "payment at booking."
    )
    rescheduled_from_id: int | None
    allowed_actions: list[Literal["cancel", "confirm", "reject", "complete", "no-show"]] = Field(
        description="What the caller may do to it now, as action paths."
    )
    created_at: datetime
    updated_at: datetime
    version: int = Field(
        description='Counts its changes; the ETag is W/"<version>". Send it back as If-Match '
        "on a change to make sure nobody changed it since you read it.",
        examples=[2],
    )


class AppointmentPage(Page):
    results: list[AppointmentOut]


AppointmentSort = Literal["start", "-start", "updated_at", "-updated_at"]


class AppointmentFilters(Schema):
    status: Appointment.Status | None = None
    start: ApiDateTime | None = Field(None, description="Starting at or after this instant.")
    end: ApiDateTime | None = Field(None, description="Starting before this instant.")
    practitioner_id: Id | None = None
    updated_since: ApiDateTime | None = Field(
        None,
        description="Only those changed at or after this instant (ISO 8601 with its offset).",
        examples=["2026-03-01T00:00:00+05:30"],
    )
    sort: AppointmentSort = Field(
        "start",
        description="`start` or `updated_at`; a leading `-` for newest first. Ties go by id.",
    )
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100)


class AppointmentIn(Schema):
    practitioner_id: Id
    start: ApiDateTime = Field(
        description="A start offered by the slots endpoint, with its offset.",
        examples=["2026-03-03T09:00:00+05:30"],
    )
    service_id: Id
    location_id: Id
    mode: VisitMode | None = Field(
        None, description="Left out: in person if the practitioner offers it, else video."
    )
    reason: text(2000) = Field("", examples=["Fever for three days"])
    patient_id: Id | None = Field(
        None, description="Staff booking for a patient; patients leave it out (it is themselves)."
    )


class CancelIn(Schema):
    reason: text(2000) = Field("", examples=["Travelling that week"])


class RejectIn(Schema):
    reason: text(2000, min_length=1) = Field(examples=["Please book a cardiologist instead"])


class RescheduleIn(Schema):
    start: ApiDateTime = Field(examples=["2026-03-04T10:00:00+05:30"])
    location_id: Id | None = Field(None, description="Defaults to the current location.")
    service_id: Id | None = Field(None, description="Defaults to the current service.")
    reason: text(2000) = ""
