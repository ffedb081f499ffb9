"""Request and response shapes of /api/v1/auth."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from carebook.core.schemas import text


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
