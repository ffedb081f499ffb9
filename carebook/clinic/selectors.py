"""Reads for the practitioner directory: search, filter, sort by earliest free slot."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet

from carebook.accounts.models import User
from carebook.booking.availability import busy_for, default_durations, next_free_slots
from carebook.clinic.models import Location, Practitioner, Service, VisitMode
from carebook.core.timeutils import now as utcnow
from carebook.records.selectors import practitioner_ids_by_rating, ratings_for
from carebook.scheduling import engine
from carebook.scheduling.selectors import rules_for, windows_for

SORTS = ("earliest", "fee", "fee_desc", "experience", "rating")


@dataclass
class DirectoryFilters:
    q: str = ""
    specialty: str = ""  # slug
    city: str = ""
    location_id: int | None = None
    gender: str = ""
    language: str = ""  # code
    fee_min: Decimal | None = None
    fee_max: Decimal | None = None
    min_experience: int | None = None
    mode: str = ""
    available_on: date | None = None
    sort: str = "earliest"


@dataclass
class DirectoryEntry:
    practitioner: Practitioner
    next_slot: engine.Slot | None
    locations: list[Location] = field(default_factory=list)
    rating_avg: float | None = None
    rating_count: int = 0

    @property
    def next_slot_location(self) -> Location | None:
        if self.next_slot is None:
            return None
        return next((loc for loc in self.locations if loc.pk == self.next_slot.location_id), None)


def practitioners_bookable() -> QuerySet[Practitioner]:
    """Practitioners patients can find: verified, with an active account."""
    return Practitioner.objects.filter(
        verified_at__isnull=False, user__state=User.State.ACTIVE, user__is_active=True
    )


def practitioner_filter(filters: DirectoryFilters) -> QuerySet[Practitioner]:
    qs = practitioners_bookable()
    if filters.q:
        qs = qs.filter(
            Q(user__full_name__icontains=filters.q) | Q(specialties__name__icontains=filters.q)
        )
    if filters.specialty:
        qs = qs.filter(specialties__slug=filters.specialty)
    if filters.city:
        qs = qs.filter(
            windows__location__city__iexact=filters.city, windows__location__is_active=True
        )
    if filters.location_id:
        qs = qs.filter(windows__location_id=filters.location_id)
    if filters.gender:
        qs = qs.filter(gender=filters.gender)
    if filters.language:
        qs = qs.filter(languages__code=filters.language)
    if filters.fee_min is not None:
        qs = qs.filter(consultation_fee__gte=filters.fee_min)
    if filters.fee_max is not None:
        qs = qs.filter(consultation_fee__lte=filters.fee_max)
    if filters.min_experience is not None:
        qs = qs.filter(years_experience__gte=filters.min_experience)
    if filters.mode == VisitMode.VIDEO:
        qs = qs.filter(offers_video=True)
    elif filters.mode == VisitMode.IN_PERSON:
        qs = qs.filter(offers_in_person=True)
    return qs.distinct()


def _free_on(ids: list[int], day: date, now: datetime, location_id: int | None) -> set[int]:
    durations = default_durations(ids)
    rules = rules_for(ids)
    windows = windows_for(ids)
    busy = busy_for(
        ids,
        datetime.combine(day - timedelta(days=2), datetime.min.time(), now.tzinfo),
        datetime.combine(day + timedelta(days=2), datetime.min.time(), now.tzinfo),
        now=now,
    )
    free = set()
    for pid in ids:
        if pid not in durations or not windows.get(pid):
            continue
        slots = engine.iter_free_slots(
            windows=windows[pid],
            busy=busy.get(pid, []),
            duration=timedelta(minutes=durations[pid]),
            rules=rules[pid],
            start_date=day,
            end_date=day,
            now=now,
            location_id=location_id,
        )
        if next(slots, None) is not None:
            free.add(pid)
    return free


def practitioner_search(
    *, filters: DirectoryFilters, page: int = 1, per_page: int = 20, now: datetime | None = None
) -> tuple[Page, list[DirectoryEntry]]:
    """One page of matching practitioners with each one's next free slot.

    Sorting by earliest slot needs every match's next slot, computed in a handful of queries.
    """
    now = now or utcnow()
    qs = practitioner_filter(filters)
    ids = list(qs.values_list("pk", flat=True))
    if filters.available_on:
        free = _free_on(ids, filters.available_on, now, filters.location_id)
        ids = [pid for pid in ids if pid in free]
    sort = filters.sort if filters.sort in SORTS else "earliest"
    next_slots: dict[int, engine.Slot | None] = {}
    if sort == "earliest":
        next_slots = next_free_slots(practitioner_ids=ids, now=now)
        far = datetime.max.replace(tzinfo=now.tzinfo)
        ids.sort(key=lambda pid: (next_slots[pid].start if next_slots[pid] else far, pid))
    elif sort == "rating":
        ids = practitioner_ids_by_rating(ids)
    else:
        order = {
            "fee": ("consultation_fee", "pk"),
            "fee_desc": ("-consultation_fee", "pk"),
            "experience": ("-years_experience", "pk"),
        }[sort]
        ids = list(
            Practitioner.objects.filter(pk__in=ids).order_by(*order).values_list("pk", flat=True)
        )
    paginator = Paginator(ids, per_page)
    page_obj = paginator.get_page(page)
    page_ids = list(page_obj.object_list)
    if sort != "earliest":
        next_slots = next_free_slots(practitioner_ids=page_ids, now=now)
    practitioners = (
        Practitioner.objects.filter(pk__in=page_ids)
        .select_related("user")
        .prefetch_related(
            "specialties",
            "languages",
            Prefetch("services", queryset=Service.objects.filter(is_active=True)),
        )
    )
    by_id = {p.pk: p for p in practitioners}
    locations = practitioner_locations(page_ids)
    ratings = ratings_for(page_ids)
    entries = [
        DirectoryEntry(by_id[pid], next_slots.get(pid), locations.get(pid, []))
        for pid in page_ids
        if pid in by_id
    ]
    for entry in entries:
        if rating := ratings.get(entry.practitioner.pk):
            entry.rating_avg, entry.rating_count = rating.avg, rating.count
    return page_obj, entries


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
    return list(
        Location.objects.filter(is_active=True)
        .order_by("city")
        .values_list("city", flat=True)
        .distinct()
    )
