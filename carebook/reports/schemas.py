from datetime import date
from typing import Literal

from ninja import Field, Schema

from carebook.core.schemas import ApiDate, Id, text

GroupBy = Literal["day", "week", "month"]


class ReportFilters(Schema):
    from_: ApiDate = Field(alias="from", description="First local date, inclusive.")
    to: ApiDate = Field(description="Last local date, inclusive.")
    location_id: Id | None = None
    practitioner_id: Id | None = None
    specialty: text(100) = Field("", description="Specialty slug.")
    service_id: Id | None = None


class AppointmentReportFilters(ReportFilters):
    group_by: GroupBy = "day"


class PeriodCounts(Schema):
    start: date = Field(description="The period's first local date (a Monday for weeks).")
    counts: dict[str, int] = Field(description="Appointments per status.")
    total: int


class AppointmentReportOut(Schema):
    from_: date = Field(alias="from")
    to: date
    group_by: GroupBy
    statuses: list[str]
    periods: list[PeriodCounts]


class PeakHoursOut(Schema):
    from_: date = Field(alias="from")
    to: date
    location_id: int | None
    weekdays: list[str] = Field(description="Row labels: Monday first.")
    counts: list[list[int]] = Field(description="7 rows (Monday..Sunday) of 24 hourly counts.")
