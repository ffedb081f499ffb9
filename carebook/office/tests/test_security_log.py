"""The office's security-log page: staff only, filtered by kind, person, door and day, paged."""

from datetime import UTC, datetime

import pytest
from django.test import RequestFactory
from django.urls import reverse

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.core.security_log import SecurityEvent, door_of, security_event

pytestmark = pytest.mark.django_db
URL = reverse("office:security_log")


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory(full_name="Rita Reception"))
    return client


def event(kind, *, path="/account/login/", at=None, **fields):
    if at is None:
        return security_event(kind=kind, request=RequestFactory().post(path), **fields)
    # An event from the past: written directly, as rows cannot be changed afterwards.
    return SecurityEvent.objects.create(kind=kind, at=at, door=door_of(path), **fields)


def shown(response) -> set[int]:
    return {e.pk for e in response.context["page"].object_list}


def test_only_staff_open_the_page(client):
    assert client.get(URL).status_code == 302
    client.force_login(PatientFactory())
    assert client.get(URL).status_code == 404


def test_the_office_navigation_links_to_it(staff_client):
    page = staff_client.get(reverse("office:dashboard")).content.decode()
    assert f'href="{URL}"' in page


def test_filters_by_kind_person_door_and_day(staff_client):
    asha = PatientFactory(full_name="Asha Patel", email="asha@example.test")
    login = event("login", user=asha)
    failed = event("login_failed", email="Mallory@Example.test", path="/api/v1/auth/token")
    admin = event("login_failed", email="root@example.test", path="/admin/login/")
    old = event("logout", user=asha, at=datetime(2025, 1, 10, 12, tzinfo=UTC))

    assert {login.pk, failed.pk, admin.pk, old.pk} <= shown(staff_client.get(URL))
    assert shown(staff_client.get(URL, {"kind": "login_failed"})) == {failed.pk, admin.pk}
    assert shown(staff_client.get(URL, {"who": "asha patel"})) == {login.pk, old.pk}
    assert shown(staff_client.get(URL, {"who": "mallory"})) == {failed.pk}
    assert shown(staff_client.get(URL, {"door": "rest"})) == {failed.pk}
    assert shown(staff_client.get(URL, {"door": "admin", "kind": "login_failed"})) == {admin.pk}
    day = {"first_day": "2025-01-10", "last_day": "2025-01-10"}
    assert shown(staff_client.get(URL, day)) == {old.pk}
    response = staff_client.get(URL, {"kind": "login_failed"})
    assert "mallory@example.test" in response.content.decode()


def test_a_bad_filter_shows_nothing_and_says_so(staff_client):
    event("login", user=PatientFactory())
    response = staff_client.get(URL, {"first_day": "2025-02-01", "last_day": "2025-01-01"})
    assert response.status_code == 400
    assert shown(response) == set()


def test_the_page_is_paginated_and_keeps_its_filters(staff_client):
    SecurityEvent.objects.bulk_create(
        SecurityEvent(kind="login_failed", email=f"x{i}@example.test", door="web")
        for i in range(30)
    )
    first = staff_client.get(URL, {"kind": "login_failed"})
    assert len(first.context["page"].object_list) == 25
    assert "kind=login_failed&amp;page=2" in first.content.decode()
    second = staff_client.get(URL, {"kind": "login_failed", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_the_page_has_no_inline_script_or_style(staff_client):
    event("login", user=PatientFactory())
    html = staff_client.get(URL).content.decode()
    body = html[html.index("<h1>Security log</h1>") :]
    assert "<script" not in body and "<style" not in body and "style=" not in body
