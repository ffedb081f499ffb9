"""Schedule: one bookable practitioner at one open location, read and searched by actor."""

from datetime import datetime

from django.http import HttpRequest, HttpResponse

from carebook.clinic.selectors import locations_by_id
from carebook.core.timeutils import now as utcnow
from carebook.fhir import resources as res
from carebook.fhir.responses import fhir_response
from carebook.fhir.search import reference_ids, split
from carebook.fhir.selectors import practitioners_listed, schedule_pairs
from carebook.fhir.views.common import Search, fhir_endpoint, not_found
from carebook.scheduling.selectors import rules_for


def _schedules(pairs: list[tuple[int, int]], now: datetime) -> list[dict]:
    practitioners = {p.pk: p for p in practitioners_listed().filter(pk__in={p for p, _ in pairs})}
    locations = locations_by_id(loc for _, loc in pairs)
    rules = rules_for(practitioners.keys())
    return [
        res.schedule_resource(
            practitioners[pid], locations[lid], horizon_days=rules[pid].max_days_ahead, now=now
        )
        for pid, lid in pairs
    ]


SCHEDULE_PARAMS = ("_id", "actor")


@fhir_endpoint("GET")
def schedule_search(request: HttpRequest) -> HttpResponse:
    search = Search(request, SCHEDULE_PARAMS)
    params = search.params
    practitioner_ids, location_ids = [], []
    for item in split(params.getlist("actor"), name="actor"):
        if "Location/" in item:
            location_ids += reference_ids([item], "Location", name="actor")
        else:
            practitioner_ids += reference_ids([item], "Practitioner", name="actor")
    pairs = schedule_pairs(
        practitioner_ids=practitioner_ids or None, location_ids=location_ids or None
    )
    wanted = params.getlist("_id")
    if wanted:
        ids = set(split(wanted, name="_id"))
        pairs = [p for p in pairs if res.schedule_id(*p) in ids]
    return search.items(
        "Schedule", search.kept(*SCHEDULE_PARAMS), pairs, lambda page: _schedules(page, utcnow())
    )


@fhir_endpoint("GET")
def schedule_read(request: HttpRequest, pk: str) -> HttpResponse:
    pair = res.parse_schedule_id(pk)
    if pair is None or pair not in schedule_pairs(
        practitioner_ids=[pair[0]], location_ids=[pair[1]]
    ):
        raise not_found("Schedule", pk)
    return fhir_response(_schedules([pair], utcnow())[0])
