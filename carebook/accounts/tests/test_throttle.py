"""Guessing is slowed per (account, client); a stranger's failures never lock the owner out."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client, RequestFactory

from carebook.accounts import throttle
from carebook.accounts.models import FailedLogin
from carebook.accounts.tests.factories import PatientFactory

pytestmark = pytest.mark.django_db
PW = "pw-for-tests-1"
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
STRANGER, OWNER = "203.0.113.7", "198.51.100.20"


def fail(n, email="a@example.test", ip=STRANGER):
    for _ in range(n):
        throttle.login_failed(email=email, ip=ip)


def test_three_failures_are_free_then_the_wait_doubles_up_to_15_minutes():
    with time_machine.travel(NOW, tick=False):
        fail(2)
        assert throttle.login_wait(email="a@example.test", ip=STRANGER) == 0
        fail(1)
        assert throttle.login_wait(email="a@example.test", ip=STRANGER) == 1
        fail(1)
        assert throttle.login_wait(email="a@example.test", ip=STRANGER) == 2
        fail(3)
        assert throttle.login_wait(email="a@example.test", ip=STRANGER) == 16
        fail(20)
        assert throttle.login_wait(email="a@example.test", ip=STRANGER) == 15 * 60
        assert throttle.login_blocked(email="a@example.test", ip=STRANGER)
    with time_machine.travel(NOW + timedelta(minutes=15, seconds=1), tick=False):
        assert throttle.login_wait(email="a@example.test", ip=STRANGER) == 0


def test_the_wait_counts_from_the_last_failure():
    with time_machine.travel(NOW, tick=False):
        fail(5)  # waits 4 s
    with time_machine.travel(NOW + timedelta(seconds=3), tick=False):
        assert throttle.login_wait(email="a@example.test", ip=STRANGER) == 1
    with time_machine.travel(NOW + timedelta(seconds=4), tick=False):
        assert throttle.login_wait(email="a@example.test", ip=STRANGER) == 0


def test_a_strangers_failures_do_not_slow_the_owner_on_another_client():
    fail(50)
    assert throttle.login_blocked(email="a@example.test", ip=STRANGER)
    assert not throttle.login_blocked(email="a@example.test", ip=OWNER)


def test_spellings_of_one_mailbox_share_one_counter():
    with time_machine.travel(NOW, tick=False):
        fail(1, email="sunita@example.test")
        fail(1, email="ſunita@example.test")
        fail(1, email="SUNITA@example.test")
        assert throttle.login_blocked(email="sunita@example.test", ip=STRANGER)


def test_one_client_trying_many_emails_meets_the_looser_cap():
    with time_machine.travel(NOW, tick=False):
        for i in range(throttle.MAX_PER_IP):
            fail(1, email=f"user{i}@example.test")
        wait = throttle.login_wait(email="fresh@example.test", ip=STRANGER)
        assert 0 < wait <= 15 * 60
        assert not throttle.login_blocked(email="fresh@example.test", ip=OWNER)


def test_an_ipv6_client_is_its_slash_64():
    fail(3, ip="2001:db8:1:2::1")
    assert throttle.login_blocked(email="a@example.test", ip="2001:db8:1:2:ffff::9")
    assert not throttle.login_blocked(email="a@example.test", ip="2001:db8:1:3::1")


def test_success_forgets_only_that_clients_failures():
    fail(3, ip=STRANGER)
    fail(3, ip=OWNER)
    throttle.login_succeeded(email="a@example.test", ip=OWNER)
    assert FailedLogin.objects.filter(ip=OWNER).count() == 0
    assert FailedLogin.objects.filter(ip=STRANGER).count() == 3


# --- the client's address --------------------------------------------------------------------


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.CAREBOOK_TRUSTED_PROXIES = ""
    request = request_from("10.0.0.2", "1.2.3.4")
    assert throttle.client_ip(request) == "10.0.0.2"
    assert request.client_ip == "10.0.0.2"


def test_a_hop_count_takes_the_address_the_outermost_proxy_saw(settings):
    settings.CAREBOOK_TRUSTED_PROXIES = "1"
    # The client forged "6.6.6.6"; our one proxy appended the address it really saw.
    assert throttle.client_ip(request_from("10.0.0.2", "6.6.6.6, 1.2.3.4")) == "1.2.3.4"
    settings.CAREBOOK_TRUSTED_PROXIES = "2"
    assert throttle.client_ip(request_from("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.9")) == "1.2.3.4"


def test_trusted_networks_are_skipped_from_the_right(settings):
    settings.CAREBOOK_TRUSTED_PROXIES = "10.0.0.0/8, fd00::/8"
    assert throttle.client_ip(request_from("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.1.1.1")) == "1.2.3.4"
    # A request that did not come through a trusted proxy is judged by its own address.
    assert throttle.client_ip(request_from("5.5.5.5", "1.2.3.4")) == "5.5.5.5"
    assert throttle.client_ip(request_from("10.0.0.2", "garbage")) == "10.0.0.2"


# --- through the doors -----------------------------------------------------------------------


def site_login(ip, password):
    return Client(REMOTE_ADDR=ip).post(
        "/account/login/", {"email": "owner@example.test", "password": password}
    )


def api_token(ip, password):
    return Client(REMOTE_ADDR=ip).post(
        "/api/v1/auth/token",
        {"email": "owner@example.test", "password": password},
        content_type="application/json",
    )


def test_site_a_stranger_is_slowed_and_the_owner_logs_in_from_elsewhere():
    PatientFactory(email="owner@example.test")
    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            assert site_login(STRANGER, "wrong").status_code == 400
        assert site_login(STRANGER, PW).status_code == 429
        assert site_login(OWNER, PW).status_code == 302


def test_rest_a_stranger_gets_429_with_retry_after_and_the_owner_a_token():
    PatientFactory(email="owner@example.test")
    with time_machine.travel(NOW, tick=False):
        for _ in range(3):
            assert api_token(STRANGER, "wrong").status_code == 401
        refused = api_token(STRANGER, PW)
        assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
        assert api_token(OWNER, PW).status_code == 201


def test_site_and_rest_failures_add_up_for_one_client():
    PatientFactory(email="owner@example.test")
    with time_machine.travel(NOW, tick=False):
        site_login(STRANGER, "wrong")
        api_token(STRANGER, "wrong")
        site_login(STRANGER, "wrong")
        assert api_token(STRANGER, PW).status_code == 429


def test_behind_a_proxy_clients_are_told_apart_by_forwarded_for(settings):
    settings.CAREBOOK_TRUSTED_PROXIES = "1"
    PatientFactory(email="owner@example.test")
    proxy = "10.0.0.2"
    with time_machine.travel(NOW, tick=False):
        stranger = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=STRANGER)
        owner = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=OWNER)
        data = {"email": "owner@example.test", "password": "wrong"}
        for _ in range(3):
            stranger.post("/account/login/", data)
        assert stranger.post("/account/login/", {**data, "password": PW}).status_code == 429
        assert owner.post("/account/login/", {**data, "password": PW}).status_code == 302
