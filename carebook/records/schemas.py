"""Response shapes and filters of /api/v1/prescriptions."""

from datetime import datetime

from ninja import Field, Schema

from carebook.core.schemas import Page, PersonOut


class MedicineOut(Schema):
    name: str = Field(examples=["Amlodipine"])
    dose: str = Field(examples=["5 mg"])
    frequency: str = Field(examples=["Once daily, morning"])
    duration: str = Field(examples=["30 days"])


class PrescriptionOut(Schema):
    id: int
    number: str = Field(examples=["RX-000042"])
    appointment_id: int
    issued_at: datetime = Field(examples=["2026-03-03T09:40:00+05:30"])
    patient: PersonOut
    practitioner: PersonOut
    medicines: list[MedicineOut]
    instructions: str
    pdf_url: str = Field(examples=["/api/v1/prescriptions/42/pdf"])


class PrescriptionPage(Page):
    results: list[PrescriptionOut]


class PrescriptionFilters(Schema):
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100)
