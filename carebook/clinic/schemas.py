"""Response shapes of the clinic's directory data, and how a row becomes one."""

from decimal import Decimal

from ninja import Field, Schema

from carebook.clinic.models import Location, Practitioner, Service


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


def location_out(location: Location) -> LocationOut:
    return LocationOut(
        id=location.pk,
        name=location.name,
        address=location.address,
        city=location.city,
        time_zone=location.time_zone,
        phone=location.phone,
    )


def service_out(service: Service, practitioner: Practitioner | None = None) -> ServiceOut:
    """`practitioner` (the service's own, when already loaded) saves a query for its fee."""
    if practitioner is not None and service.price is None:
        price = practitioner.consultation_fee
    else:
        price = service.effective_price
    return ServiceOut(
        id=service.pk,
        name=service.name,
        duration_minutes=service.duration_minutes,
        price=price,
    )
