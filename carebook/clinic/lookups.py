"""Plain reads of clinic rows for the API doors: by id (None when there is none) and the lists
the directory shows.

They belong with the other reads in carebook.clinic.selectors; they wait here until that module
no longer reads free time (which moves to carebook.booking).
"""

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from carebook.clinic.models import Location, Practitioner, Service, Specialty
from carebook.clinic.selectors import practitioners_bookable


def specialty_list() -> QuerySet[Specialty]:
    return Specialty.objects.order_by("name", "pk")


def location_list() -> QuerySet[Location]:
    return Location.objects.filter(is_active=True).order_by("city", "name", "pk")


def practitioner_get_bookable(*, pk: int, profile: bool = True) -> Practitioner | None:
    """A practitioner patients can find, with their active services (and with `profile`, what
    their profile shows), or None."""
    lookups = [Prefetch("services", queryset=Service.objects.filter(is_active=True))]
    if profile:
        lookups += ["specialties", "languages"]
    return (
        practitioners_bookable()
        .filter(pk=pk)
        .select_related("user")
        .prefetch_related(*lookups)
        .first()
    )


def practitioner_get(*, pk: int) -> Practitioner | None:
    return Practitioner.objects.select_related("user").filter(pk=pk).first()


def service_get(*, pk: int) -> Service | None:
    return Service.objects.filter(pk=pk).first()


def location_get(*, pk: int) -> Location | None:
    return Location.objects.filter(pk=pk).first()


def locations_by_id(ids: Iterable[int]) -> dict[int, Location]:
    return {loc.pk: loc for loc in Location.objects.filter(pk__in=set(ids))}
