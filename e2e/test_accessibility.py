"""axe-core finds no serious or critical WCAG 2.2 AA violations on the key pages."""

import pytest
from playwright.sync_api import expect

from carebook.accounts.tests.factories import StaffFactory
from e2e.helpers import book_directly, clinic_with_cardiologist, free_starts, log_in, patient

pytestmark = pytest.mark.django_db(transaction=True)


def test_public_and_patient_pages_pass_axe(new_page, axe):
    cal = clinic_with_cardiologist()
    p = patient()
    start = free_starts(cal)[1]
    book_directly(cal, p, free_starts(cal)[0])
    page = new_page()
    pages = {
        "home": "/",
        "directory": "/practitioners/",
        "practitioner": f"/practitioners/{cal.practitioner.pk}/",
        "login": "/account/login/",
        "register": "/account/register/",
    }
    failures = {}
    for name, url in pages.items():
        page.goto(url)
        failures[name] = axe(page)
    log_in(page, p.email)
    page.goto(f"/practitioners/{cal.practitioner.pk}/")
    page.locator(f'a.slot[data-start="{start.isoformat()}"]').click()
    failures["booking"] = axe(page)
    page.goto("/appointments/")
    failures["my-appointments"] = axe(page)
    assert {k: v for k, v in failures.items() if v} == {}


def test_practitioner_today_passes_axe(new_page, axe):
    cal = clinic_with_cardiologist()
    book_directly(cal, patient(), free_starts(cal)[0])
    page = new_page()
    log_in(page, cal.practitioner.user.email)
    page.goto("/practice/")
    assert axe(page) == []


def test_keyboard_only_booking(new_page):
    cal = clinic_with_cardiologist()
    p = patient()
    page = new_page()
    log_in(page, p.email)
    page.goto(f"/practitioners/{cal.practitioner.pk}/")
    page.locator("a.slot").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/book/**")
    page.get_by_label("In person").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Confirm booking").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/done/")
    assert "Your request is sent" in page.content()


def test_office_reports_pass_axe(new_page, axe, shot):
    cal = clinic_with_cardiologist()
    book_directly(cal, patient(), free_starts(cal)[0])
    page = new_page()
    log_in(page, StaffFactory().email)
    page.goto("/office/reports/")
    assert page.get_by_role("heading", name="When patients come").is_visible()
    # Patients, the heat map, breakdowns and diaries follow in requests of their own.
    expect(page.locator("[aria-busy=true]")).to_have_count(0)
    assert page.locator("table.heatmap").is_visible()
    assert page.get_by_role("table", name="New and returning patients").is_visible()
    page.get_by_text("By day").first.click()  # open a table behind <details>
    assert page.locator("figure.chart svg[role=img]").count() == 2
    assert axe(page) == []
    shot(page, "office")


def test_my_figures_pass_axe(new_page, axe, shot):
    cal = clinic_with_cardiologist()
    book_directly(cal, patient(), free_starts(cal)[0])
    page = new_page()
    log_in(page, cal.practitioner.user.email)
    page.goto("/practice/figures/")
    expect(page.locator("[aria-busy=true]")).to_have_count(0)
    assert page.get_by_role("heading", name="Diaries").is_visible()
    assert page.locator("table.heatmap").is_visible()
    assert axe(page) == []
    shot(page, "practice")


def test_front_desk_pages_pass_axe(new_page, axe, shot):
    cal = clinic_with_cardiologist()
    someone = patient()
    book_directly(cal, someone, free_starts(cal)[0])
    page = new_page()
    log_in(page, StaffFactory().email)
    page.goto(f"/office/appointments/book/?q={someone.full_name[:4]}")
    assert page.get_by_role("button", name=f"Book for {someone.full_name}").is_visible()
    assert axe(page) == []
    page.goto(f"/office/day/?location={cal.location.pk}")
    assert page.locator("table.day-grid").is_visible()
    assert axe(page) == []
    shot(page, "day")
