from datetime import date
from decimal import Decimal
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


class PeriodRevenue(Schema):
    start: date
    invoices: int = Field(description="Invoices issued.")
    invoiced: Decimal = Field(description="The invoices' lines: fees and charges, without tax.")
    untaxed: Decimal = Field(description="Of which exempt, nil-rated or out of scope.")
    cgst: Decimal
    sgst: Decimal
    igst: Decimal
    vat: Decimal
    round_off: Decimal
    billed: Decimal = Field(description="Invoice totals: invoiced + tax + round-off.")
    refunded: Decimal = Field(description="Credit notes issued: their value, without tax.")
    refunded_cgst: Decimal
    refunded_sgst: Decimal
    refunded_igst: Decimal
    refunded_vat: Decimal
    collected: Decimal = Field(description="Payments received.")
    net: Decimal = Field(description="Invoiced less refunded, both without tax.")
    outstanding: Decimal = Field(
        description="Still owed now on the invoices issued in the period (never below zero)."
    )


class RevenueReportOut(Schema):
    from_: date = Field(alias="from")
    to: date
    group_by: GroupBy
    currency: str = Field(description="Every amount is in this currency (ISO 4217).")
    currencies: list[str] = Field(description="The currencies invoiced in the range.")
    periods: list[PeriodRevenue]


class RevenueFilters(AppointmentReportFilters):
    currency: str = Field(
        "INR",
        pattern="^[A-Z]{3}$",
        description="ISO 4217: one currency per answer, never added to another.",
    )


class Waits(Schema):
    count: int
    average_seconds: float | None
    bands: dict[str, int] = Field(description="How many waited this long, band by band.")


class DiaryOut(Schema):
    practitioner_id: int
    name: str
    offered_minutes: int = Field(description="Weekly hours as they stand, less time off.")
    booked_minutes: int = Field(description="Kept visits: confirmed, completed, no-show.")
    share: float | None = Field(description="Booked over offered; may pass 1.")
    free_slots: int | None = Field(description="About how many more shortest visits fit.")


class BreakdownRow(Schema):
    key: int | str | None
    label: str
    counts: dict[str, int]
    total: int


class VisitsReportOut(Schema):
    from_: date = Field(alias="from")
    to: date
    patients: dict[str, int] = Field(description="seen, new (first kept visit), returning.")
    cancelled_by: dict[str, int] = Field(
        description="patient, practitioner, clinic, system, moved (rescheduled)."
    )
    cancelled_late: dict[str, int] = Field(description="Of those, inside the cut-off.")
    no_show_rate: float | None
    late_cancel_rate: float | None
    lead_time: Waits = Field(description="Booking to visit, for kept visits.")
    decision_time: Waits = Field(description="Request to the practitioner's answer.")
    utilisation: list[DiaryOut]
    breakdowns: dict[str, list[BreakdownRow]] = Field(
        description="By practitioner, specialty, location, service and mode."
    )
