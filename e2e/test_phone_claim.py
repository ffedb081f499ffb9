"""A walk-in registered with only a phone claims the account on their own phone."""

import re

import pytest
from playwright.sync_api import expect

from carebook.accounts.services import walk_in_patient_create
from carebook.accounts.tests.factories import StaffFactory
from carebook.core.tests.tasks import run_worker
from carebook.notifications.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_walk_in_claims_the_account_by_sms_and_logs_in_with_the_phone(
    new_page, axe, shot, settings
):
    settings.CAREBOOK_SMS_BACKEND = "carebook.notifications.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []
    walk_in_patient_create(full_name="Meena Iyer", phone="+919886011223", by=StaffFactory())
    page = new_page(width=390, height=844)  # on her phone
    page.goto("/account/login/")
    page.get_by_role("link", name="Claim your account").click()
    page.get_by_label("Your mobile number").fill("98860 11223")
    assert axe(page) == []
    page.get_by_role("button", name="Text me a code").click()
    expect(page.get_by_text("we have texted it a 6-digit code")).to_be_visible()
    run_worker()  # the SMS goes out from a task
    ((to, text),) = LocmemSmsBackend.outbox
    assert to == "+919886011223"
    page.get_by_label("Code from the SMS").fill("000000")
    page.get_by_label("Choose a password").fill("a quiet garden 42")
    page.get_by_label("Password again").fill("a quiet garden 42")
    page.get_by_role("button", name="Claim my account").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()  # swapped in place
    assert axe(page) == []
    shot(page, "code")
    page.get_by_label("Code from the SMS").fill(re.match(r"\d{6}", text).group(0))
    page.get_by_label("Choose a password").fill("a quiet garden 42")
    page.get_by_label("Password again").fill("a quiet garden 42")
    page.get_by_role("button", name="Claim my account").click()
    expect(page.get_by_text("Your account is ready")).to_be_visible()
    # Later, on a browser that has no session (clearing this page's cookies would race the
    # page's own session check, which then navigates to the login page itself).
    page = new_page(width=390, height=844)
    page.goto("/account/login/")
    page.get_by_label("Email or phone").fill("+91 98860 11223")
    page.get_by_label("Password").fill("a quiet garden 42")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/appointments/$"))
