"""Reads for API access: who a token belongs to; plain lookups for the endpoints."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from carebook.accounts.models import User
from carebook.api.models import ApiToken
from carebook.api.services import TOKEN_PREFIX, token_digest
from carebook.clinic.models import Location, Practitioner, Service, Specialty
from carebook.clinic.selectors import practitioners_bookable


def token_get_live(*, raw: str, now: datetime) -> ApiToken | None:
    """The unexpired, unrevoked token with this value whose user may log in, else None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active or token.user.state == User.State.SUSPENDED:
        return None
    return token


# Plain lookups by id for the endpoints. They belong in carebook.clinic.selectors and
# carebook.accounts (not ours to edit); each returns None when there is no such row.


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


def user_get(*, pk: int) -> User | None:
    return User.objects.filter(pk=pk).first()


def locations_by_id(ids) -> dict[int, Location]:
    return {loc.pk: loc for loc in Location.objects.filter(pk__in=set(ids))}
