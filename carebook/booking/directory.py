"""The practitioner directory: search, filter, and sort by earliest free slot or rating.

It lives in booking because it reads free time (appointments against availability).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import F, Prefetch, Q, QuerySet

from carebook.booking.availability import next_free_slots
from carebook.booking.next_free import free_on, next_free_order
from carebook.clinic.models import Location, Practitioner, Service, VisitMode
from carebook.clinic.selectors import practitioners_bookable
from carebook.core.compiled import Compiled
from carebook.core.db import ids_param, in_ids_sql
from carebook.core.timeutils import now as utcnow
from carebook.scheduling import engine

SORTS = ("earliest", "fee", "fee_desc", "experience", "rating")
# The fields a directory card shows (`DirectoryEntry.practitioner` without services).
CARD_FIELDS = (
    "title",
    "photo",
    "qualifications",
    "years_experience",
    "consultation_fee",
    "offers_in_person",
    "offers_video",
    "rating_average",
    "rating_count",
    "user__full_name",
)
# A practitioner without locations yet has fees in the clinic's default currency.
DEFAULT_CURRENCY = Location._meta.get_field("currency").default


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
    specialties: list[str] = field(default_factory=list)  # names
    languages: list[str] = field(default_factory=list)  # names

    @property
    def next_slot_location(self) -> Location | None:
        if self.next_slot is None:
            return None
        return next((loc for loc in self.locations if loc.pk == self.next_slot.location_id), None)


def practitioner_filter(filters: DirectoryFilters) -> tuple[QuerySet[Practitioner], bool]:
    """Bookable practitioners matching every filter but the date (which needs free time), and
    whether any filter narrowed them."""
    qs = bookable = practitioners_bookable()
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
    # A filter across a to-many relation can return a match more than once.
    many = filters.q or filters.specialty or filters.city or filters.location_id or filters.language
    return (qs.distinct() if many else qs), qs is not bookable


# What a card shows, with its user: loading whole rows was a tenth of the search.
_CARDS = Compiled(
    Practitioner,
    lambda ids: (
        Practitioner.objects.filter(pk__in_ids=ids).select_related("user").only(*CARD_FIELDS)
    ),
)


def practitioner_search(
    *,
    filters: DirectoryFilters,
    page: int = 1,
    per_page: int = 20,
    now: datetime | None = None,
    with_services: bool = False,
) -> tuple[Page, list[DirectoryEntry]]:
    """One page of matching practitioners with each one's next free slot.

    Sorting and the date filter use each match's stored next free start (`next_free`); the
    slots shown are computed exactly, for the page only. `with_services` also reads each
    one's active services and whole profile; without it, only what a card shows
    (`CARD_FIELDS`).
    """
    now = now or utcnow()
    qs, narrowed = practitioner_filter(filters)
    sort = filters.sort if filters.sort in SORTS else "earliest"
    # Ordered outside the DISTINCT query (its joins would repeat rows).
    matches = Practitioner.objects.filter(pk__in=qs.values("pk"))
    if sort == "earliest":
        ids = next_free_order(qs if narrowed else None, now=now)
    elif sort == "rating":
        ids = list(
            matches.order_by(
                F("rating_average").desc(nulls_last=True), "-rating_count", "pk"
            ).values_list("pk", flat=True)
        )
    else:
        order = {
            "fee": ("consultation_fee", "pk"),
            "fee_desc": ("-consultation_fee", "pk"),
            "experience": ("-years_experience", "pk"),
        }[sort]
        ids = list(matches.order_by(*order).values_list("pk", flat=True))
    if filters.available_on:
        free = free_on(
            ids, filters.available_on, now=now, location_id=filters.location_id, among=qs
        )
        ids = [pid for pid in ids if pid in free]
    paginator = Paginator(ids, per_page)
    page_obj = paginator.get_page(page)
    page_ids = list(page_obj.object_list)
    next_slots = next_free_slots(practitioner_ids=page_ids, now=now)
    if not with_services:
        practitioners = _CARDS.rows(page_ids)
    else:
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
    locations, currencies = _locations(page_ids)
    names = _specialties_and_languages(page_ids)
    entries = []
    for pid in page_ids:
        if pid in by_id:
            by_id[pid].fee_currency = currencies.get(pid, DEFAULT_CURRENCY)
            entries.append(
                DirectoryEntry(
                    by_id[pid],
                    next_slots.get(pid),
                    locations.get(pid, []),
                    specialties=names[pid, SPECIALTY],
                    languages=names[pid, LANGUAGE],
                )
            )
    return page_obj, entries


_BOOKABLE_BY_ID = Compiled(
    Practitioner, lambda pk: practitioners_bookable().select_related("user").filter(pk=pk)[:1]
)


def practitioner_profile(*, pk: int) -> DirectoryEntry | None:
    """A bookable practitioner with their card's names and active locations (no slot), or
    None: their page's profile in three queries."""
    practitioner = _BOOKABLE_BY_ID.first(pk)
    if practitioner is None:
        return None
    locations, currencies = _locations([pk])
    practitioner.fee_currency = currencies.get(pk, DEFAULT_CURRENCY)
    names = _specialties_and_languages([pk])
    return DirectoryEntry(
        practitioner,
        None,
        locations.get(pk, []),
        specialties=names[pk, SPECIALTY],
        languages=names[pk, LANGUAGE],
    )


def _locations(ids: list[int]) -> tuple[dict[int, list[Location]], dict[int, str]]:
    """Each practitioner's active locations (city, name order) and fee currency, in one query.

    The currency is that of their first location by id, active or not, as
    `clinic.selectors.with_fee_currency` reads it.
    """
    locations: dict[int, list[Location]] = {}
    first: dict[int, Location] = {}
    for loc in _LOCATIONS_OF.rows(ids) if ids else ():
        pid = loc.practitioner_id
        if loc.is_active:
            locations.setdefault(pid, []).append(loc)
        if pid not in first or loc.pk < first[pid].pk:
            first[pid] = loc
    return locations, {pid: loc.currency for pid, loc in first.items()}


# The locations each practitioner's windows are at, with `practitioner_id`: built once.
_LOCATIONS_OF = Compiled(
    Location,
    lambda ids: (
        Location.objects.filter(windows__practitioner_id__in_ids=ids)
        .annotate(practitioner_id=F("windows__practitioner_id"))
        .distinct()
    ),
)


SPECIALTY, LANGUAGE = 1, 2


def _specialties_and_languages(ids: list[int]) -> defaultdict[tuple[int, int], list[str]]:
    """The names of each practitioner's specialties and languages, A to Z, in one query."""
    names: defaultdict[tuple[int, int], list[str]] = defaultdict(list)
    if not ids:
        return names
    alias = router.db_for_read(Practitioner)
    connection = connections[alias]
    param = ids_param(ids)
    with connection.cursor() as cursor:
        cursor.execute(_names_sql(alias, len(ids) == 1), [param, param])
        rows = cursor.fetchall()
    for pid, kind, name in sorted(rows):
        names[pid, kind].append(name)
    return names


@cache
def _names_sql(alias: str, one: bool) -> str:
    """(practitioner id, SPECIALTY or LANGUAGE, name) rows: the text built once."""
    connection = connections[alias]
    q = connection.ops.quote_name

    def names_of(relation: str, kind: int) -> str:
        field = Practitioner._meta.get_field(relation)
        through, target = field.remote_field.through._meta, field.related_model._meta
        pid = f"t.{q(field.m2m_column_name())}"
        # Names come from the models' meta; values are always parameters.
        return (
            f"SELECT {pid}, {kind}, n.{q(target.get_field('name').column)} "  # noqa: S608
            f"FROM {q(through.db_table)} t JOIN {q(target.db_table)} n "
            f"ON n.{q(target.pk.column)} = t.{q(field.m2m_reverse_name())} "
            f"WHERE {in_ids_sql(connection.vendor, pid, one=one)}"
        )

    return f"{names_of('specialties', SPECIALTY)} UNION ALL {names_of('languages', LANGUAGE)}"
