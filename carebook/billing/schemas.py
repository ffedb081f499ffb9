"""Response shapes and filters of /api/v1/invoices."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from ninja import Field, Schema

from carebook.billing.models import Invoice
from carebook.core.schemas import Page

# Its own name in the schema: Appointment.Status is already "Status" there.
InvoiceStatus = StrEnum("InvoiceStatus", {v.upper(): v for v in Invoice.Status.values})


class PaymentOut(Schema):
    id: int
    method: str
    amount: Decimal
    status: str
    provider_transaction_id: str
    created_at: datetime
    receipt_number: str
    message: str = Field(
        "",
        description="Why the payment did not go through (the gateway's reason), else empty.",
        examples=["The card has insufficient funds."],
    )


class CreditNoteOut(Schema):
    id: int
    number: str
    amount: Decimal = Field(description="What is credited, tax included.")
    tax: dict[str, Decimal] = Field(description="The tax it takes back, by head.")
    reason: str
    issued_at: datetime


class InvoiceLineOut(Schema):
    kind: Literal["service", "service_charge"]
    description: str
    tax_code: str = Field(description="SAC (India) or VAT code.", examples=["999312"])
    tax_category: Literal["taxable", "exempt", "nil_rated", "out_of_scope"]
    tax_rate: Decimal = Field(description="Percent, for a taxable line.")
    place_of_supply: str = Field(description="India: the state code the line is supplied in.")
    value: Decimal
    tax: dict[str, Decimal] = Field(description="This line's tax by head (CGST, SGST, IGST, VAT).")


class InvoiceOut(Schema):
    id: int
    number: str = Field(examples=["CB/2026-27/000123"])
    financial_year: str = Field(examples=["2026-27"])
    status: InvoiceStatus
    appointment_id: int
    patient_id: int
    patient_name: str
    practitioner_id: int
    practitioner_name: str
    description: str
    visit_at: datetime
    clinic_name: str
    clinic_address: str
    clinic_gstin: str
    currency: str = Field(description="ISO 4217; every amount of the invoice is in it.")
    tax_regime: Literal["india_gst", "uk_vat", "none"]
    place_of_supply: str
    lines: list[InvoiceLineOut]
    consultation_fee: Decimal
    service_charge: Decimal
    taxable_amount: Decimal = Field(description="Value of the taxable lines.")
    untaxed_amount: Decimal = Field(description="Value of exempt, nil-rated, out-of-scope lines.")
    tax: dict[str, Decimal] = Field(description="Tax by head, each the sum of the lines'.")
    round_off: Decimal
    total: Decimal
    paid: Decimal
    refunded: Decimal
    issued_at: datetime
    payments: list[PaymentOut]
    credit_notes: list[CreditNoteOut]


class InvoicePage(Page):
    results: list[InvoiceOut]


class InvoiceFilters(Schema):
    status: InvoiceStatus | None = None
    financial_year: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", examples=["2026-27"])
    sort: Literal["-issued_at", "issued_at"] = Field(
        "-issued_at", description="By issue time, newest first (`-`) or oldest first; ties by id."
    )
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100)


class RefundIn(Schema):
    amount: Decimal | None = Field(
        None,
        gt=0,
        max_digits=12,
        decimal_places=2,
        description="Omit to refund everything received and not yet refunded.",
        examples=["200.00"],
    )
    reason: str = Field(min_length=1, max_length=255, examples=["Goodwill: the visit ran late."])


class RefundOut(CreditNoteOut):
    invoice_id: int
    refund_status: str = Field(
        description="at_counter: hand the money back at the counter; pending: the gateway "
        "refund is on its way; refunded: the gateway refunded it (see refund_reference)."
    )
    refund_reference: str


class PayIn(Schema):
    """What the payer gives the gateway: a card (number, expiry, security code) or a UPI id;
    checked exactly as the web payment form checks them (docs/payments.md)."""

    method: Literal["card", "upi"]
    card_number: str = Field(
        "",
        max_length=23,
        description="12 to 19 digits passing the Luhn check (15 for American Express); spaces "
        "and hyphens between groups are ignored.",
        examples=["4111111111111111"],
    )
    card_expiry: str = Field(
        "",
        max_length=7,
        description="MM/YY (or MM/YYYY); the card is valid through the end of that month.",
        examples=["12/29"],
    )
    card_cvc: str = Field(
        "",
        max_length=4,
        description="3 digits; 4 for American Express.",
        examples=["123"],
    )
    upi_id: str = Field(
        "",
        max_length=255,
        description="name@handle: letters, digits, dots, hyphens or underscores, @, the app's "
        "handle.",
        examples=["priya@okbank"],
    )


class PayOut(Schema):
    appointment_id: int
    appointment_status: str = Field(description="requested or confirmed once paid")
    invoice_id: int | None
    payment: PaymentOut
