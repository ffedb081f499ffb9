"""The report endpoints: staff only, bounded, and the same numbers as the selectors."""

from datetime import date

import pytest

from carebook.api.tests.conftest import book, local_start
from carebook.core.tests.tasks import run_worker
from carebook.reports.selectors import ReportFilters, appointment_counts

pytestmark = pytest.mark.django_db


def test_staff_get_counts_per_period_and_status(world):
    first = book(world.cal, world.patient, local_start(2, 9))
    book(world.other_cal, world.other_patient, local_start(2, 10))
    run_worker()  # the bookings' rollup days are recomputed by the task queue
    day = first.start.astimezone(first.location.tz).date()
    response = world.client("staff").get(
        "/api/v1/reports/appointments", {"from": str(day), "to": str(day), "group_by": "week"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == body["to"] == str(day) and body["group_by"] == "week"
    (period,) = body["periods"]
    assert period["counts"]["requested"] == 2 and period["total"] == 2
    selector = appointment_counts(start=day, end=day, group_by="week", filters=ReportFilters())
    assert {k: v for k, v in period["counts"].items() if v} == dict(selector[date_of(period)])
    narrowed = world.client("staff").get(
        "/api/v1/reports/appointments",
        {"from": str(day), "to": str(day), "practitioner_id": world.cal.practitioner.pk},
    )
    assert narrowed.json()["periods"][0]["total"] == 1


def date_of(period):
    return date.fromisoformat(period["start"])


@pytest.mark.parametrize("role", ["anonymous", "patient", "practitioner"])
def test_only_staff(world, role):
    response = world.client(role).get(
        "/api/v1/reports/appointments", {"from": "2026-03-01", "to": "2026-03-02"}
    )
    assert response.status_code == (401 if role == "anonymous" else 403)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-03-02", "to": "2026-03-01"},
        {"from": "2020-01-01", "to": "2026-03-01", "group_by": "day"},
        {"from": "2026-03-01", "to": "2026-03-02", "group_by": "year"},
        {"from": "yesterday", "to": "2026-03-02"},
    ],
)
def test_bad_ranges_are_422(world, params):
    response = world.client("staff").get("/api/v1/reports/appointments", params)
    assert response.status_code == 422


def test_peak_hours_are_a_week_of_hours_in_local_time(world):
    visit = book(world.cal, world.patient, local_start(2, 9))
    world.client("practitioner").post(f"/api/v1/appointments/{visit.pk}/confirm")
    run_worker()
    day = visit.start.astimezone(visit.location.tz).date()
    body = (
        world.client("staff")
        .get("/api/v1/reports/peak-hours", {"from": str(day), "to": str(day)})
        .json()
    )
    assert body["weekdays"][0] == "Monday" and len(body["counts"]) == 7
    assert all(len(row) == 24 for row in body["counts"])
    assert body["counts"][day.weekday()][9] == 1 and sum(map(sum, body["counts"])) == 1


def test_revenue_endpoint_answers_every_period_with_money_and_tax_apart(world):
    response = world.client("staff").get(
        "/api/v1/reports/revenue", {"from": "2026-03-01", "to": "2026-03-31", "group_by": "week"}
    )
    assert response.status_code == 200
    body = response.json()
    periods = body["periods"]
    assert body["currency"] == "INR" and body["currencies"] == []
    assert [p["start"] for p in periods][:2] == ["2026-02-23", "2026-03-02"]
    assert set(periods[0]) >= {"invoiced", "cgst", "sgst", "igst", "vat", "billed", "net"}
    bad = world.client("staff").get(
        "/api/v1/reports/revenue", {"from": "2026-03-01", "to": "2026-03-31", "currency": "rupees"}
    )
    assert bad.status_code == 422
    assert (
        world.client("patient")
        .get("/api/v1/reports/revenue", {"from": "2026-03-01", "to": "2026-03-31"})
        .status_code
        == 403
    )


def test_visits_report_gives_the_pages_numbers(world):
    from carebook.booking.services import appointment_cancel
    from carebook.reports.summary import diary_figures, report_summary

    first = book(world.cal, world.patient, local_start(3, 9))
    other = book(world.other_cal, world.other_patient, local_start(3, 10))
    appointment_cancel(appointment=other, by=world.staff)
    run_worker()
    day = first.start.astimezone(first.location.tz).date()
    response = world.client("staff").get("/api/v1/reports/visits", {"from": day, "to": day})
    assert response.status_code == 200
    body = response.json()
    page = report_summary(start=day, end=day, group_by="day", filters=ReportFilters())
    assert body["cancelled_by"] == {"clinic": 1}
    assert [(label, n) for label, n, _late, _before in page["cancellers"] if n] == [
        ("Clinic staff", 1)
    ]
    assert body["patients"] == {"seen": 0, "new": 0, "returning": 0}  # a request is not kept
    assert [(d["practitioner_id"], d["offered_minutes"]) for d in body["utilisation"]] == [
        (d.practitioner_id, d.offered_minutes)
        for d in diary_figures(start=day, end=day, filters=ReportFilters())["diaries"]
    ]
    by_location = body["breakdowns"]["location"]
    assert sum(row["total"] for row in by_location) == 2
    assert body["lead_time"]["count"] == 0 and set(body["lead_time"]["bands"]) >= {"over 30 days"}
    assert (
        world.client("patient").get("/api/v1/reports/visits", {"from": day, "to": day}).status_code
        == 403
    )
