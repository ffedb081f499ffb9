"""The week-by-week slot picker: free slots grouped by local day, with a version to poll."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from urllib.parse import quote

from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from carebook.booking.availability import slots_free
from carebook.clinic.models import Location, Practitioner, Service
from carebook.clinic.selectors import practitioner_locations
from carebook.core.compiled import Compiled
from carebook.core.timeutils import now as utcnow
from carebook.scheduling.engine import Rules, Slot, Window
from carebook.scheduling.selectors import rules_for, windows_and_rules_for


@dataclass
class PickerSlot:
    """One offered slot with the texts the picker writes for it, made once here (a week can
    hold a hundred slots, and template filters per slot were most of the picker's time)."""

    slot: Slot
    local: datetime  # the wall clock at the location
    start_iso: str
    start_param: str  # URL-encoded, as Django's urlencode filter writes it
    day_text: str  # "Monday 7 December"
    hhmm: str

    @classmethod
    def of(cls, slot: Slot, local: datetime, day_text: str) -> "PickerSlot":
        iso = slot.start.isoformat()
        return cls(slot, local, iso, quote(iso), day_text, f"{local:%H:%M}")


@dataclass
class PickerDay:
    day: date
    slots: list[PickerSlot]


@dataclass
class Picker:
    practitioner: Practitioner
    service: Service
    location: Location
    week_start: date
    days: list[PickerDay]
    version: str
    prev_week: date | None
    next_week: date | None
    reschedule_id: int | None = None

    @property
    def count(self) -> int:
        return sum(len(d.slots) for d in self.days)

    @cached_property
    def book_query(self) -> str:
        """The query a slot's booking link starts with (the slot's start follows)."""
        return format_html(
            "practitioner={}&service={}&location={}",
            self.practitioner.pk,
            self.service.pk,
            self.location.pk,
        )


def picker_build(
    *,
    practitioner: Practitioner,
    service: Service,
    location: Location,
    week_start: date | None,
    windows: list[Window],
    rules: Rules,
    now: datetime | None = None,
) -> Picker:
    """Seven local days of free slots at one location, starting at `week_start` (default today),
    from the practitioner's weekly windows and booking rules."""
    now = now or utcnow()
    tz = location.tz
    today = now.astimezone(tz).date()
    last_day = today + timedelta(days=rules.max_days_ahead)
    start = min(max(week_start or today, today), last_day)
    end = start + timedelta(days=6)
    slots = slots_free(
        practitioner=practitioner,
        service=service,
        start_date=start,
        end_date=end,
        location=location,
        now=now,
        rules=rules,
        windows=windows,
    )
    by_day: dict[date, list] = {start + timedelta(days=i): [] for i in range(7)}
    day_texts: dict[date, str] = {}
    for slot in slots:
        local = slot.start.astimezone(tz).replace(tzinfo=None)  # wall clock for the template
        if local.date() in by_day:
            if local.date() not in day_texts:
                day_texts[local.date()] = date_format(local, "l j F")
            by_day[local.date()].append(PickerSlot.of(slot, local, day_texts[local.date()]))
    digest = hashlib.sha1(  # noqa: S324 - a change detector, not security
        "|".join(s.start.isoformat() for s in slots).encode(), usedforsecurity=False
    ).hexdigest()[:16]
    return Picker(
        practitioner=practitioner,
        service=service,
        location=location,
        week_start=start,
        days=[PickerDay(d, s) for d, s in by_day.items()],
        version=digest,
        prev_week=start - timedelta(days=7) if start > today else None,
        next_week=start + timedelta(days=7) if end < last_day else None,
    )


def _parse_week(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


_ACTIVE_SERVICES = Compiled(
    Service, lambda pid: Service.objects.filter(practitioner_id=pid, is_active=True)
)


def picker_from_params(
    *, practitioner: Practitioner, params, locations: list[Location] | None = None
) -> tuple[Picker | None, list, list]:
    """The picker a page's query asks for (service, location, week), defaulting sensibly.

    `locations`: the practitioner's active locations when the caller has read them already.
    Returns (picker or None when nothing is bookable, services, locations).
    """
    if "services" in getattr(practitioner, "_prefetched_objects_cache", {}):
        # Filtered here, not in the query: the page's prefetched services are used as they are.
        services = [s for s in practitioner.services.all() if s.is_active]
    else:
        services = _ACTIVE_SERVICES.rows(practitioner.pk)
    if locations is None:
        locations = practitioner_locations([practitioner.pk]).get(practitioner.pk, [])
    if not services or not locations:
        return None, services, locations
    service = next((s for s in services if str(s.pk) == params.get("service")), services[0])
    location = next(
        (loc for loc in locations if str(loc.pk) == params.get("location")), locations[0]
    )
    pid = practitioner.pk
    windows, rules = windows_and_rules_for([pid])  # one read for the horizon and the slots
    picker = picker_build(
        practitioner=practitioner,
        service=service,
        location=location,
        week_start=_parse_week(params.get("week")),
        windows=windows.get(pid, []),
        # Rules come with windows; without any, their horizon still bounds the weeks shown.
        rules=rules[pid] if pid in rules else rules_for([pid])[pid],
    )
    return picker, services, locations
