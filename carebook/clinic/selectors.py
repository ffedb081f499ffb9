"""Reads on the clinic: who can be found and booked, where they work, the clinic's cities.

The directory search, which needs free time, is `carebook.booking.directory`.
"""

from collections.abc import Iterable

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from carebook.accounts.models import User
from carebook.clinic.models import Location, Practitioner, Service, Specialty
from carebook.core.compiled import Compiled


def practitioners_bookable() -> QuerySet[Practitioner]:
    """Practitioners patients can find: verified, with an active account."""
    return Practitioner.objects.filter(
        verified_at__isnull=False, user__state=User.State.ACTIVE, user__is_active=True
    )


def practitioner_for(*, user: User) -> Practitioner | None:
    """The practitioner profile of `user`, verified or not; None for anyone else."""
    if not user.is_authenticated or not user.is_practitioner:
        return None
    return Practitioner.objects.select_related("user").filter(user=user).first()


def practitioner_locations(practitioner_ids: list[int]) -> dict[int, list[Location]]:
    """The active locations each practitioner works at, from their availability windows."""
    out: dict[int, list[Location]] = {}
    rows = (
        Location.objects.filter(windows__practitioner_id__in=practitioner_ids, is_active=True)
        .annotate(practitioner_id=F("windows__practitioner_id"))
        .distinct()
    )
    for loc in rows:
        out.setdefault(loc.practitioner_id, []).append(loc)
    return out


def cities() -> list[str]:
    """The cities with an active location, A to Z."""
    return list(
        Location.objects.filter(is_active=True)
        .order_by("city")
        .values_list("city", flat=True)
        .distinct()
    )


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
    return Practitioner.objects.select_related("user", "booking_rules").filter(pk=pk).first()


def service_get(*, pk: int) -> Service | None:
    return Service.objects.filter(pk=pk).first()


def service_of_practitioner_get(*, pk: int, practitioner_id: int) -> Service | None:
    """The service if it is this practitioner's, with the practitioner, their user and rules."""
    return _SERVICE_OFFER.first(pk, practitioner_id)


# What every booking reads: built once (`core.compiled`).
_SERVICE_OFFER = Compiled(
    Service,
    lambda pk, pid: Service.objects.select_related(
        "practitioner__user", "practitioner__booking_rules"
    ).filter(pk=pk, practitioner_id=pid)[:1],
)
_LOCATION = Compiled(Location, lambda pk: Location.objects.filter(pk=pk)[:1])


def location_get(*, pk: int) -> Location | None:
    return _LOCATION.first(pk)


def locations_by_id(ids: Iterable[int]) -> dict[int, Location]:
    return {loc.pk: loc for loc in Location.objects.filter(pk__in=set(ids))}


def clinician_in_good_standing(user: User) -> bool:
    """Staff with an active staff account; a practitioner whose account is active and whose
    verification is in force. Nobody else handles other people's clinical data."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_staff:
        return True
    if not (user.is_practitioner and user.state == User.State.ACTIVE):
        return False
    # Asked afresh each time: a withdrawal takes effect on the very next read or write.
    return Practitioner.objects.filter(user_id=user.pk, verified_at__isnull=False).exists()


def with_fee_currency(qs: QuerySet[Practitioner]) -> QuerySet[Practitioner]:
    """Practitioners with `fee_currency` read in the same query (a card shows many at once)."""
    first = Location.objects.filter(windows__practitioner=OuterRef("pk")).order_by("pk")
    return qs.annotate(fee_currency=Coalesce(Subquery(first.values("currency")[:1]), Value("INR")))
