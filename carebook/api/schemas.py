"""Request and response shapes of /api/v1, with the examples the OpenAPI document shows."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime, BaseModel, PlainValidator, WithJsonSchema

from carebook.booking.models import Appointment
from carebook.clinic.models import Gender, VisitMode

MAX_ID = 2**63 - 1
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def _no_nul(value: str) -> str:
    # No database stores a NUL character in text; refuse it here instead of failing there.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _date_in_range(value: date) -> date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST} and {LATEST}")
    return value


def _datetime_in_range(value: datetime) -> datetime:
    _date_in_range(value.date())  # before any arithmetic that could overflow
    _date_in_range(value.astimezone(UTC).date())
    return value


def _date_or_instant(value: object) -> date | datetime:
    """A calendar date (YYYY-MM-DD) or an instant that carries its UTC offset."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        return _date_in_range(value)
    else:
        text = str(value).strip()
        if len(text) == 10:
            return _date_in_range(date.fromisoformat(text))
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        raise ValueError("a time needs its UTC offset, e.g. 2026-03-03T09:00:00+05:30")
    return _datetime_in_range(parsed)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
ApiDate = Annotated[date, AfterValidator(_date_in_range)]
ApiDateTime = Annotated[AwareDatetime, AfterValidator(_datetime_in_range)]
DateOrInstant = Annotated[
    date | datetime,
    PlainValidator(_date_or_instant),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date"},
                {"type": "string", "format": "date-time"},
            ]
        }
    ),
]


def text(max_length: int, **kw):
    return Annotated[str, Field(max_length=max_length, **kw), AfterValidator(_no_nul)]


# Errors ------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(examples=["That time is no longer available. Please pick another slot."])
    code: str = Field(examples=["slot_unavailable"])


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(examples=[["body", "payload", "start"]])
    msg: str = Field(examples=["Input should have timezone info"])
    type: str = Field(examples=["timezone_aware"])


class ValidationErrorOut(ErrorOut):
    detail: str = Field(examples=["Some of the details are not valid."])
    code: str = Field(examples=["validation_error"])
    errors: list[FieldErrorOut] = Field(default_factory=list)


# Auth --------------------------------------------------------------------------------------------


class TokenIn(Schema):
    email: text(254) = Field(examples=["patient@carebook.test"])
    password: text(1024) = Field(examples=["carebook-patient"])
    name: text(100) = Field("", description="A label for the token, e.g. the device it is for.")


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    role: Literal["patient", "practitioner", "staff"]
    state: Literal["pending", "active", "suspended"]
    practitioner_id: int | None = Field(None, description="Set when the user is a practitioner.")


class TokenOut(Schema):
    token: str = Field(
        description="Send as `Authorization: Bearer <token>`. Shown once; only a hash is kept.",
        examples=["cb_Yp3v1X2u6m9tq0cV2Jr7nW9bZf4hQk8sDg1aLx5eR0o"],
    )
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: datetime
    user: UserOut


# Directory ---------------------------------------------------------------------------------------


class SpecialtyOut(Schema):
    id: int
    name: str = Field(examples=["Cardiology"])
    slug: str = Field(examples=["cardiology"])
    description: str


class LocationOut(Schema):
    id: int
    name: str = Field(examples=["Indiranagar Clinic"])
    address: str
    city: str = Field(examples=["Bengaluru"])
    time_zone: str = Field(examples=["Asia/Kolkata"])
    phone: str


class LanguageOut(Schema):
    code: str = Field(examples=["hi"])
    name: str = Field(examples=["Hindi"])


class ServiceOut(Schema):
    id: int
    name: str = Field(examples=["Consultation"])
    duration_minutes: int = Field(examples=[30])
    price: Decimal = Field(description="INR; the practitioner's fee unless the service has one.")


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


class Page(Schema):
    count: int = Field(description="Matches over all pages.")
    page: int
    pages: int
    per_page: int


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


class PersonOut(Schema):
    id: int
    name: str


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
    rescheduled_from_id: int | None
    allowed_actions: list[Literal["cancel", "confirm", "reject", "complete", "no-show"]] = Field(
        description="What the caller may do to it now, as action paths."
    )
    created_at: datetime
    updated_at: datetime


class AppointmentPage(Page):
    results: list[AppointmentOut]


class AppointmentFilters(Schema):
    status: Appointment.Status | None = None
    start: ApiDateTime | None = Field(None, description="Starting at or after this instant.")
    end: ApiDateTime | None = Field(None, description="Starting before this instant.")
    practitioner_id: Id | None = None
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
    mode: VisitMode = VisitMode.IN_PERSON
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
