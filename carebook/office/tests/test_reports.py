"""The office's reports page: staff only; the period beside the one before; numbers as the API."""

from datetime import time, timedelta

import pytest
import time_machine
from django.urls import reverse

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.api.tests.conftest import book, local_start
from carebook.billing import ledger
from carebook.billing.tests.factories import RecordingGateway, paid_booking
from carebook.booking.services import appointment_cancel, appointment_confirm
from carebook.booking.tests.factories import bookable_calendar
from carebook.core.security_log import SecurityEvent
from carebook.core.tests.tasks import run_worker
from carebook.reports.exports import csv_safe

pytestmark = pytest.mark.django_db
URL = reverse("office:reports")


def test_only_staff_open_the_page(client):
    assert client.get(URL).status_code == 302
    client.force_login(PatientFactory())
    assert client.get(URL).status_code == 404


def test_a_custom_period_shows_counts_money_and_peak_hours(client):
    cal = bookable_calendar()
    visit = book(cal, PatientFactory(), local_start(1, 9))
    appointment_confirm(appointment=visit, by=cal.practitioner.user)
    run_worker()
    day = visit.start.astimezone(visit.location.tz).date()
    client.force_login(StaffFactory())
    response = client.get(
        URL, {"period": "custom", "first_day": day, "last_day": day, "group_by": "day"}
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert ("Confirmed", 1, 0) in report["totals"]
    html = response.content.decode()
    assert "When patients come" in html and "Money (INR)" in html
    # The heat map follows in a request of its own: htmx asks for it, or the link opens it.
    section = reverse("office:reports_section", args=["peak-hours"])
    assert f'hx-get="{section}?' in html
    params = {"period": "custom", "first_day": day, "last_day": day, "group_by": "day"}
    heat = client.get(section, params, headers={"HX-Request": "true"})
    day_row, hours = heat.context["r"]["heat"][day.weekday()]
    assert hours[9] == (1, 4)  # the busiest hour, darkest
    assert heat.content.decode().lstrip().startswith("<section")
    page = client.get(section, params)
    assert "<html" in page.content.decode() and "When patients come" in page.content.decode()
    assert client.get(reverse("office:reports_section", args=["nothing"])).status_code == 404
    assert reverse("office:reports") in client.get(reverse("office:dashboard")).content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom"},
        {"period": "custom", "first_day": "2026-03-02", "last_day": "2026-03-01"},
        {"period": "custom", "first_day": "2020-01-01", "last_day": "2026-03-01"},
        {"period": "sometime"},
    ],
)
def test_bad_choices_are_a_form_error_not_a_500(client, params):
    client.force_login(StaffFactory())
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response.context["form"].errors


def export(client, kind, day, **extra):
    params = {"period": "custom", "first_day": day, "last_day": day, **extra}
    response = client.get(reverse("office:reports_export", args=[kind]), params)
    return response, b"".join(getattr(response, "streaming_content", [])).decode()


def test_csv_exports_are_logged_and_hold_the_rows_behind_the_report(client, monkeypatch):
    monkeypatch.setattr(ledger, "provider_get", lambda: RecordingGateway())
    visit = paid_booking()
    run_worker()
    day = visit.invoice.issued_at.astimezone(visit.location.tz).date()
    staff = StaffFactory()
    client.force_login(staff)
    response, text = export(client, "invoices", day)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, row = text.splitlines()[:2]
    assert header.startswith("number,issued_local_date,currency") and "igst" in header
    assert row.startswith(visit.invoice.number)
    _, text = export(client, "summary", day)
    assert text.splitlines()[0].startswith("period_start,requested,confirmed")
    _, text = export(client, "money", day)
    assert text.splitlines()[0].startswith("period_start,currency,invoices,invoiced")
    assert text.splitlines()[1].startswith(f"{day.isoformat()},INR,1,")
    _, text = export(client, "invoice_lines", day)
    assert len(text.splitlines()) == 3 and ",999312,taxable,18.00," in text
    _, text = export(client, "appointments", visit.start.astimezone(visit.location.tz).date())
    assert str(visit.pk) in text and visit.patient.full_name not in text  # no patient data
    events = SecurityEvent.objects.filter(kind="data_exported", user=staff)
    assert events.count() == 5 and "invoices" in events.last().detail + events.first().detail


def test_an_export_asks_for_the_password_again_after_ten_minutes(client):
    client.force_login(StaffFactory())
    with time_machine.travel(timedelta(minutes=11)):
        response, _ = export(client, "summary", "2026-03-01")
    assert response.status_code == 302 and reverse("step_up") in response["Location"]


def test_a_formula_in_a_cell_is_not_run_by_a_spreadsheet():
    assert (
        csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
        and csv_safe("Asha") == "Asha"
        and csv_safe(5) == 5
    )


def test_unknown_exports_are_404(client):
    client.force_login(StaffFactory())
    assert export(client, "everything", "2026-03-01")[0].status_code == 404


def test_the_page_answers_who_cancelled_who_is_new_and_how_full_the_diary_is(client):
    cal = bookable_calendar(time_zone="Asia/Kolkata", start=time(9, 0), end=time(13, 0))
    patient = PatientFactory()
    kept = book(cal, patient, local_start(3, 9))
    appointment_confirm(appointment=kept, by=cal.practitioner.user)
    dropped = book(cal, PatientFactory(), local_start(3, 10))
    appointment_cancel(appointment=dropped, by=dropped.patient)
    run_worker()
    day = kept.start.astimezone(kept.location.tz).date()
    client.force_login(StaffFactory())
    response = client.get(
        URL, {"period": "custom", "first_day": day, "last_day": day, "group_by": "day"}
    )
    report = response.context["report"]

    def section(name):
        params = {"period": "custom", "first_day": day, "last_day": day, "group_by": "day"}
        url = reverse("office:reports_section", args=[name])
        answer = client.get(url, params, headers={"HX-Request": "true"})
        assert answer.status_code == 200
        return answer.context["r"], answer.content.decode()

    assert ("New", 1, 0) in section("patients")[0]["patients"]
    assert ("Patient", 1, 0, 0) in report["cancellers"]
    [diary] = section("diaries")[0]["diaries"]
    assert (diary.offered_minutes, diary.booked_minutes) == (4 * 60, 30)
    figures, html = section("breakdowns")
    by_practitioner = dict(figures["breakdowns"])["practitioner"]
    assert [(label, total) for label, _counts, total in by_practitioner] == [
        (cal.practitioner.display_name, 2)
    ]
    assert "By practitioner, specialty, place, service and mode" in html
    html = response.content.decode()
    for heading in ("Patients", "Cancellations and no-shows", "Diaries", "Waiting"):
        assert f">{heading}</h2>" in html
    for kind, first_line in [
        ("visits", "section,figure,value"),
        ("diaries", "practitioner_id,practitioner,offered_minutes"),
        ("breakdowns", "dimension,key,label,requested"),
        ("peak_hours", "weekday,00,01"),
    ]:
        exported, text = export(client, kind, day)
        assert exported.status_code == 200 and text.splitlines()[0].startswith(first_line)
    assert "cancelled_by,patient,1" in export(client, "visits", day)[1]
    assert f",{cal.practitioner.display_name},240,30," in export(client, "diaries", day)[1]
