"""One throttle for every login door: the site, the API token endpoint and /admin/."""

import pytest
from django.urls import reverse

from carebook.accounts.tests.factories import StaffFactory
from carebook.accounts.tests.mfa_support import code_for, enrol

pytestmark = pytest.mark.django_db
PASSWORD = "right-password-123"


@pytest.fixture
def staff():
    user = StaffFactory(email="staff@clinic.test")
    user.set_password(PASSWORD)
    user.save()
    enrol(user)
    return user


def admin_login(client, password, otp=None):
    return client.post(
        reverse("admin:login"),
        {
            "username": "staff@clinic.test",
            "password": password,
            "otp_token": otp or "000000",
            "next": "/admin/",
        },
    )


def site_login(client, password):
    return client.post(reverse("login"), {"email": "staff@clinic.test", "password": password})


def test_admin_login_works_with_the_right_password(client, staff):
    response = admin_login(client, PASSWORD, code_for(staff))
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_site_lockout_holds_at_admin_login(client, staff):
    for _ in range(5):
        site_login(client, "wrong")
    response = admin_login(client, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_admin_failures_count_towards_the_site_lockout(client, staff):
    for _ in range(5):
        response = admin_login(client, "wrong")
        assert response.status_code == 200
    assert site_login(client, PASSWORD).status_code == 429
