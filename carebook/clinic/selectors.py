"""Reads on the clinic: who can be found and booked, where they work, the clinic's cities.

The directory search, which needs free time, is `carebook.booking.directory`.
"""

from django.db.models import QuerySet

from carebook.accounts.models import User
from carebook.clinic.models import Location, Practitioner


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
    rows = list(
        Location.objects.filter(windows__practitioner_id__in=practitioner_ids, is_active=True)
        .distinct()
        .values_list("windows__practitioner_id", "pk")
    )
    locations = {loc.pk: loc for loc in Location.objects.filter(pk__in={pk for _, pk in rows})}
    for pid, lid in rows:
        if locations[lid] not in out.setdefault(pid, []):
            out[pid].append(locations[lid])
    return out


def cities() -> list[str]:
    """The cities with an active location, A to Z."""
    return list(
        Location.objects.filter(is_active=True)
        .order_by("city")
        .values_list("city", flat=True)
        .distinct()
    )
