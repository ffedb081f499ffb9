"""The clinic's part of the directory: specialties and locations. Open to everyone.

Practitioners and their free slots are served by carebook.booking.api (free time is booking's).
"""

from django.http import HttpRequest
from ninja import Router

from carebook.clinic.schemas import LocationOut, SpecialtyOut, location_out
from carebook.clinic.selectors import location_list, specialty_list

router = Router(tags=["directory"])


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
