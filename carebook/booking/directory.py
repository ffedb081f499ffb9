"""The practitioner directory: search, filter, and sort by earliest free slot or rating.

It lives in booking because it reads free time (appointments against availability).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import F, Prefetch, Q, QuerySet

from carebook.booking.availability import busy_for, default_durations, next_free_slots
from carebook.clinic.models import Location, Practitioner, Service, VisitMode
from carebook.clinic.selectors import practitioner_locations, practitioners_bookable
from carebook.core.timeutils import now as utcnow
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

    @property
    def next_slot_location(self) -> Location | None:
        if self.next_slot is None:
            return None
        return next((loc for loc in self.locations if loc.pk == self.next_slot.location_id), None)


def practitioner_filter(filters: DirectoryFilters) -> QuerySet[Practitioner]:
    """Bookable practitioners matching every filter but the date (which needs free time)."""
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


def practitioners_free_on(
    ids: list[int], day: date, *, now: datetime, location_id: int | None = None
) -> set[int]:
    """Those of `ids` with at least one free slot on the local date `day`."""
    if not ids:
        return set()
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


def _ids_by_rating(ids: list[int]) -> list[int]:
    """Best average first, then most ratings; unrated practitioners last."""
    return list(
        Practitioner.objects.filter(pk__in=ids)
        .order_by(F("rating_average").desc(nulls_last=True), "-rating_count", "pk")
        .values_list("pk", flat=True)
    )


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
        free = practitioners_free_on(
            ids, filters.available_on, now=now, location_id=filters.location_id
        )
        ids = [pid for pid in ids if pid in free]
    sort = filters.sort if filters.sort in SORTS else "earliest"
    next_slots: dict[int, engine.Slot | None] = {}
    if sort == "earliest":
        next_slots = next_free_slots(practitioner_ids=ids, now=now)
        far = datetime.max.replace(tzinfo=now.tzinfo)
        ids.sort(key=lambda pid: (next_slots[pid].start if next_slots[pid] else far, pid))
    elif sort == "rating":
        ids = _ids_by_rating(ids)
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
    entries = [
        DirectoryEntry(by_id[pid], next_slots.get(pid), locations.get(pid, []))
        for pid in page_ids
        if pid in by_id
    ]
    return page_obj, entries
