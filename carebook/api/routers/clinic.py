"""The directory: specialties, locations, practitioners and their free slots. Open to everyone."""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from django.http import Http404, HttpRequest
from ninja import Path, Query, Router

from carebook.api.schemas import (
    MAX_ID,
    ErrorOut,
    LocationOut,
    PractitionerFilters,
    PractitionerOut,
    PractitionerPage,
    ServiceOut,
    SlotOut,
    SlotQuery,
    SpecialtyOut,
    ValidationErrorOut,
)
from carebook.api.selectors import (
    location_get,
    location_list,
    locations_by_id,
    practitioner_get_bookable,
    specialty_list,
)
from carebook.booking.availability import default_services, next_free_slots, slots_free
from carebook.clinic.models import Location, Practitioner, Service
from carebook.clinic.selectors import (
    DirectoryFilters,
    practitioner_filter,
    practitioner_locations,
    practitioner_search,
)
from carebook.core.errors import InvalidInput
from carebook.core.timeutils import zone
from carebook.scheduling import engine

router = Router(tags=["directory"])

MAX_SLOT_DAYS = 62
# The widest UTC offset there is; an instant's local date is within this of its UTC date.
MAX_OFFSET = timedelta(hours=14)

PractitionerId = Annotated[int, Path(ge=1, le=MAX_ID, description="Practitioner id")]


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


def slot_out(slot: engine.Slot, *, service_id: int, time_zone: str) -> dict:
    tz = zone(time_zone)
    return {
        "start": slot.start.astimezone(tz),
        "end": slot.end.astimezone(tz),
        "location_id": slot.location_id,
        "service_id": service_id,
    }


def practitioner_out(
    practitioner: Practitioner, *, next_slot: engine.Slot | None, locations: list[Location]
) -> PractitionerOut:
    services = sorted(practitioner.services.all(), key=lambda s: (s.duration_minutes, s.pk))
    zones = {loc.pk: loc.time_zone for loc in locations}
    next_free = None
    if next_slot is not None and services:
        next_free = slot_out(
            next_slot,
            service_id=services[0].pk,
            time_zone=zones.get(next_slot.location_id, "UTC"),
        )
    return PractitionerOut(
        id=practitioner.pk,
        name=practitioner.display_name,
        title=practitioner.title,
        kind=practitioner.kind,
        gender=practitioner.gender,
        specialties=[
            {"id": s.pk, "name": s.name, "slug": s.slug, "description": s.description}
            for s in practitioner.specialties.all()
        ],
        languages=[{"code": lang.code, "name": lang.name} for lang in practitioner.languages.all()],
        qualifications=practitioner.qualifications,
        years_experience=practitioner.years_experience,
        bio=practitioner.bio,
        consultation_fee=practitioner.consultation_fee,
        visit_modes=practitioner.visit_modes,
        services=[service_out(s, practitioner) for s in services],
        locations=[location_out(loc) for loc in locations],
        next_free_slot=next_free,
    )


@router.get("/specialties", auth=None, response=list[SpecialtyOut], summary="List specialties")
def specialties(request: HttpRequest):
    """Every specialty, by name; use `slug` to filter practitioners."""
    return [
        SpecialtyOut(id=s.pk, name=s.name, slug=s.slug, description=s.description)
        for s in specialty_list()
    ]


@router.get("/locations", auth=None, response=list[LocationOut], summary="List locations")
def locations(request: HttpRequest):
    """The clinic's open locations, each with its IANA time zone."""
    return [location_out(loc) for loc in location_list()]


@router.get(
    "/practitioners",
    auth=None,
    response={200: PractitionerPage, 422: ValidationErrorOut},
    summary="Search practitioners",
)
def practitioners(request: HttpRequest, filters: Query[PractitionerFilters]):
    """The directory: filter, sort (by default by the earliest free slot) and page."""
    directory = DirectoryFilters(
        q=filters.q.strip(),
        specialty=filters.specialty.strip(),
        city=filters.city.strip(),
        location_id=filters.location_id,
        gender=filters.gender or "",
        language=filters.language.strip(),
        fee_min=filters.fee_min,
        fee_max=filters.fee_max,
        min_experience=filters.min_experience,
        mode=filters.mode or "",
        available_on=filters.available_on,
        sort=filters.sort,
    )
    if directory.available_on and not practitioner_filter(directory).exists():
        # Workaround: practitioner_search fails (EmptyResultSet from scheduling's busy_for) when
        # a date is asked for and nobody matches; remove once busy_for returns early on no ids.
        return PractitionerPage(count=0, page=1, pages=1, per_page=filters.per_page, results=[])
    page, entries = practitioner_search(
        filters=directory, page=filters.page, per_page=filters.per_page
    )
    return PractitionerPage(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        per_page=filters.per_page,
        results=[
            practitioner_out(e.practitioner, next_slot=e.next_slot, locations=e.locations)
            for e in entries
        ],
    )


@router.get(
    "/practitioners/{practitioner_id}",
    auth=None,
    response={200: PractitionerOut, 404: ErrorOut, 422: ValidationErrorOut},
    summary="One practitioner",
)
def practitioner_detail(request: HttpRequest, practitioner_id: PractitionerId):
    """A practitioner's profile, services, locations and next free slot."""
    practitioner = practitioner_get_bookable(pk=practitioner_id)
    if practitioner is None:
        raise Http404
    next_slot = next_free_slots(practitioner_ids=[practitioner.pk])[practitioner.pk]
    locations = practitioner_locations([practitioner.pk]).get(practitioner.pk, [])
    return practitioner_out(practitioner, next_slot=next_slot, locations=locations)


def _date_span(start: date | datetime, end: date | datetime) -> tuple[date, date]:
    """Local dates to ask the engine for: dates as given, instants widened by any offset."""
    lo = start if not isinstance(start, datetime) else (start.astimezone(UTC) - MAX_OFFSET).date()
    hi = end if not isinstance(end, datetime) else (end.astimezone(UTC) + MAX_OFFSET).date()
    return lo, hi


def _within(slot: engine.Slot, tz, start: date | datetime, end: date | datetime) -> bool:
    local_day = slot.start.astimezone(tz).date()
    after = slot.start >= start if isinstance(start, datetime) else local_day >= start
    before = slot.start < end if isinstance(end, datetime) else local_day <= end
    return after and before


@router.get(
    "/practitioners/{practitioner_id}/slots",
    auth=None,
    response={200: list[SlotOut], 404: ErrorOut, 422: ValidationErrorOut},
    summary="Free slots of a practitioner",
)
def practitioner_slots(
    request: HttpRequest, practitioner_id: PractitionerId, query: Query[SlotQuery]
):
    """Bookable starts between `start` and `end` (at most 62 days), for one service.

    Dates are days in each location's own time zone; times come back with that zone's offset.
    """
    practitioner = practitioner_get_bookable(pk=practitioner_id, profile=False)
    if practitioner is None:
        raise Http404
    if query.service_id is not None:
        service = next((s for s in practitioner.services.all() if s.pk == query.service_id), None)
        if service is None:
            raise InvalidInput("This practitioner does not offer that service.")
    else:
        service = default_services([practitioner.pk]).get(practitioner.pk)
    location = None
    if query.location_id is not None:
        location = location_get(pk=query.location_id)
        if location is None or not location.is_active:
            raise InvalidInput("There is no open location with that id.")
    lo, hi = _date_span(query.start, query.end)
    if hi < lo:
        raise InvalidInput("The end must not be before the start.")
    if (hi - lo).days > MAX_SLOT_DAYS:
        raise InvalidInput(f"Ask for at most {MAX_SLOT_DAYS} days at a time.")
    if service is None:
        return []
    slots = slots_free(
        practitioner=practitioner, service=service, start_date=lo, end_date=hi, location=location
    )
    zones = {pk: loc.time_zone for pk, loc in locations_by_id(s.location_id for s in slots).items()}
    out = []
    for slot in slots:
        time_zone = zones[slot.location_id]
        if _within(slot, zone(time_zone), query.start, query.end):
            out.append(slot_out(slot, service_id=service.pk, time_zone=time_zone))
    return out
