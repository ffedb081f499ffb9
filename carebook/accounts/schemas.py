"""Request and response shapes of /api/v1/auth."""

from datetime import date, datetime
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


class SignUpIn(Schema):
    full_name: text(150) = Field(examples=["Priya Raman"])
    email: text(254) = Field(examples=["priya@example.com"])
    phone: text(32) = Field(
        description="A mobile number; a local one is read in the clinic's region.",
        examples=["+919845012345"],
    )
    date_of_birth: date = Field(
        description="Not in the future, not before 1900.", examples=["1990-04-12"]
    )
    gender: Literal["female", "male", "other", "undisclosed", ""] = ""
    blood_group: Literal["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-", ""] = ""
    address: text(1000) = ""
    password: text(1024) = Field(
        description="At least 8 characters; not only numbers; not a common password; not like "
        "your name or email.",
        examples=["a long and unusual phrase"],
    )


class SignUpOut(Schema):
    detail: str = Field(
        examples=["Check your email: we sent a link to confirm the address to priya@example.com."]
    )
    email: str = Field(description="The address, as it is stored.", examples=["priya@example.com"])
