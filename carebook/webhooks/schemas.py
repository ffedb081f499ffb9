"""The shapes of the webhooks REST API."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from carebook.core.schemas import Page, text
from carebook.webhooks.catalogue import EVENT_TYPES

EventType = Literal[tuple(EVENT_TYPES)]


class EndpointIn(Schema):
    url: text(2000) = Field(examples=["https://crm.example.com/hooks/carebook"])
    events: list[EventType] = Field(
        min_length=1, max_length=len(EVENT_TYPES), examples=[["appointment.created"]]
    )
    description: text(200) = ""
    secret: text(200) = Field(
        "",
        description="whsec_ and 24 to 64 bytes in base64; leave it out and one is generated. "
        "Answered once, here, and never again.",
    )


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    events: list[str]
    is_active: bool
    disabled_reason: str = Field(description="Why carebook stopped sending (410 Gone).")
    created_at: datetime


class EndpointCreated(EndpointOut):
    secret: str = Field(
        description="The signing secret. Keep it now: carebook never shows it again.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class EndpointPage(Page):
    results: list[EndpointOut]


class PageFilters(Schema):
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100)


class AttemptOut(Schema):
    at: datetime
    trigger: Literal["event", "retry", "replay"]
    status_code: int | None = Field(description="The endpoint's HTTP status; null: no answer.")
    duration_ms: int
    error: str = Field(examples=["TimeoutError: timed out"])
    response: str = Field(description="The first 1,000 characters of the answer.")


class DeliveryOut(Schema):
    id: int
    webhook_id: str = Field(description="The webhook-id header: the same on every attempt.")
    type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    attempt_log: list[AttemptOut] = Field(description="Newest first.")


class DeliveryPage(Page):
    results: list[DeliveryOut]
