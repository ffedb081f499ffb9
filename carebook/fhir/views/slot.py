"""Slot: the free times the scheduling engine offers and the busy ones booked, per Schedule."""

from datetime import datetime, timedelta
from functools import partial

from django.http import HttpRequest, HttpResponse

from carebook.booking.availability import default_services
from carebook.clinic.models import Location, Practitioner, Service
from carebook.clinic.selectors import locations_by_id
from carebook.core.timeutils import now as utcnow
from carebook.fhir import resources as res
from carebook.fhir.responses import FhirError, fhir_response
from carebook.fhir.search import date_range, split, tokens
from carebook.fhir.selectors import (
    busy_times,
    free_slots,
    locations_listed,
    practitioners_listed,
    schedule_pairs,
    slot_is_busy,
    slot_on_grid,
)
from carebook.fhir.views.common import (
    Build,
    Search,
    built,
    default_tz,
    few_schedules,
    fhir_endpoint,
    in_time_order,
    not_found,
    time_span,
)

SECOND = timedelta(seconds=1)


def _services_for(
    practitioner: Practitioner, codes: list[str], defaults: dict[int, Service]
) -> list[Service]:
    """The active services `codes` name, or the practitioner's default one when none are named."""
    active = {s.pk: s for s in practitioner.services.all()}
    if not codes:
        default = defaults.get(practitioner.pk)
        return [default] if default else []
    return [active[int(c)] for c in codes if c.isdigit() and len(c) < 19 and int(c) in active]


def offered(
    schedules: list[tuple[Practitioner, Location]],
    codes: list[str],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> dict[tuple[int, int], list[tuple[res.SlotKey, datetime, Service]]]:
    """Free slots of the services `codes` name (or of the default one) at each schedule."""
    defaults = default_services([p.pk for p, _ in schedules]) if not codes else {}
    return free_slots(
        [(p, loc, _services_for(p, codes, defaults)) for p, loc in schedules],
        start=start,
        end=end,
        now=now,
    )


def _schedules_wanted(params) -> list[tuple[int, int]]:
    wanted = []
    for item in split(params.getlist("schedule"), name="schedule"):
        pair = res.parse_schedule_id(item.rsplit("Schedule/", 1)[-1])
        if pair is None:
            raise FhirError(400, "invalid", "schedule must be Schedule/<id>.", ["schedule"])
        wanted.append(pair)
    if not wanted:
        raise FhirError(
            400, "too-costly", "Slot search needs schedule=Schedule/<id>; see Schedule search."
        )
    known = schedule_pairs(practitioner_ids=[p for p, _ in wanted])
    return few_schedules([p for p in known if p in wanted], narrow="ask for fewer")


SLOT_PARAMS = ("_id", "schedule", "start", "status", "service-type")


@fhir_endpoint("GET")
def slot_search(request: HttpRequest) -> HttpResponse:
    search = Search(request, SLOT_PARAMS)
    params = search.params
    now = utcnow()
    statuses = set(tokens(params.getlist("status"), name="status")) or {"free", "busy"}
    codes = tokens(params.getlist("service-type"), name="service-type", system=res.SERVICE_SYSTEM)
    links = search.kept(*SLOT_PARAMS)
    if params.getlist("_id"):
        return search.items("Slot", links, _slots_named(params, statuses, codes, now))
    pairs = _schedules_wanted(params)
    locations = locations_by_id(loc for _, loc in pairs)
    tz = locations[pairs[0][1]].tz if len(pairs) == 1 else default_tz()
    lo, hi = time_span(
        *date_range(params.getlist("start"), tz, name="start"),
        now,
        name="start",
        search=search,
        until="start=lt<date>",
    )
    practitioners = {p.pk: p for p in practitioners_listed().filter(pk__in={p for p, _ in pairs})}
    found: list[tuple[datetime, str, Build]] = []
    free = {}
    if "free" in statuses:
        free = offered(
            [(practitioners[pid], locations[lid]) for pid, lid in pairs],
            codes,
            start=lo,
            end=hi,
            now=now,
        )
    busy = {}
    if "busy" in statuses:
        busy = busy_times(
            schedules=pairs,
            start=lo,
            end=hi,
            now=now,
            service_ids=[int(c) for c in codes if c.isdigit() and len(c) < 19][:100]
            if codes
            else None,
        )
    for pid, lid in pairs:
        location = locations[lid]
        if "free" in statuses:
            for key, end, service in free[(pid, lid)]:
                build = partial(
                    res.slot_resource,
                    key,
                    end=end,
                    status="free",
                    service=service,
                    time_zone=location.time_zone,
                )
                found.append((key.start, key.id, build))
        if "busy" in statuses:
            for service, visit_start, visit_end in busy[(pid, lid)]:
                key = res.SlotKey(pid, lid, service.pk, visit_start)
                build = partial(
                    res.slot_resource,
                    key,
                    end=visit_end,
                    status="busy",
                    service=service,
                    time_zone=location.time_zone,
                )
                found.append((key.start, key.id, build))
    return search.items("Slot", links, in_time_order(found), built)


def _slots_named(params, statuses: set[str], codes: list[str], now: datetime) -> list[dict]:
    """The Slots `_id` names as they stand now, narrowed by the other parameters given."""
    keys = [res.SlotKey.parse(v) for v in split(params.getlist("_id"), name="_id")]
    schedules = {
        item.rsplit("Schedule/", 1)[-1]
        for item in split(params.getlist("schedule"), name="schedule")
    }
    lo, hi = date_range(params.getlist("start"), default_tz(), name="start")
    found = []
    for key in sorted({k for k in keys if k is not None}, key=lambda k: (k.start, k.id)):
        if schedules and key.schedule_id not in schedules:
            continue
        if codes and str(key.service_id) not in codes:
            continue
        if (lo and key.start < lo) or (hi and key.start >= hi):
            continue
        slot = slot_now(key, now)
        if slot is not None and slot["status"] in statuses:
            found.append(slot)
    return found


def slot_now(key: res.SlotKey, now: datetime) -> dict | None:
    """The Slot `key` names as it stands at `now`: free if the engine offers it, busy if a
    visit (of any service) keeps its time; None if it is neither, or not ours."""
    practitioner = practitioners_listed().filter(pk=key.practitioner_id).first()
    location = locations_listed().filter(pk=key.location_id, is_active=True).first()
    service = (
        next((s for s in practitioner.services.all() if s.pk == key.service_id), None)
        if practitioner
        else None
    )
    if practitioner is None or location is None or service is None:
        return None
    free = offered(
        [(practitioner, location)],
        [str(service.pk)],
        start=key.start,
        end=key.start + SECOND,
        now=now,
    )[(practitioner.pk, location.pk)]
    if free:
        status, end = "free", free[0][1]
    else:
        end = key.start + timedelta(minutes=service.duration_minutes)
        if not slot_on_grid(key, minutes=service.duration_minutes) or not slot_is_busy(
            key, end=end, now=now
        ):
            return None
        status = "busy"
    return res.slot_resource(
        key, end=end, status=status, service=service, time_zone=location.time_zone
    )


@fhir_endpoint("GET")
def slot_read(request: HttpRequest, pk: str) -> HttpResponse:
    key = res.SlotKey.parse(pk)
    slot = slot_now(key, utcnow()) if key is not None else None
    if slot is None:
        raise not_found("Slot", pk)
    return fhir_response(slot)
