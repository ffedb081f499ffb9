"""The idle warning: the page warns before signing out, "stay signed in" keeps the session, and
text typed into a form survives the sign-out and the login that follows."""

import pytest

from e2e.helpers import log_in, patient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def short_sessions(settings):
    # Fractions of a minute keep the test short; the live server reads the same settings.
    settings.CAREBOOK_SESSION_IDLE_PATIENT_MINUTES = 0.25  # 15 s
    settings.CAREBOOK_SESSION_WARN_SECONDS = 10


def test_the_page_warns_and_stay_signed_in_keeps_the_session(new_page, short_sessions, shot):
    person = patient(full_name="Sita Sharma")
    page = new_page()
    log_in(page, person.email)
    page.goto("/account/profile/")
    warning = page.get_by_role("alertdialog")
    warning.wait_for(timeout=12_000)
    assert "You will be signed out in" in warning.inner_text()
    shot(page, "warning")
    page.get_by_role("button", name="Stay signed in").click()
    warning.wait_for(state="detached", timeout=5_000)
    page.goto("/account/profile/")
    assert page.url.endswith("/account/profile/")


def test_unsaved_text_survives_the_sign_out_and_the_login(new_page, short_sessions, settings, shot):
    person = patient(full_name="Sita Sharma")
    page = new_page()
    log_in(page, person.email)
    page.goto("/account/profile/")
    page.get_by_label("Phone", exact=True).fill("98450 12345")
    page.wait_for_url("**/account/login/?next=%2Faccount%2Fprofile%2F", timeout=30_000)
    assert "signed out after a while without activity" in page.content()
    settings.CAREBOOK_SESSION_IDLE_PATIENT_MINUTES = 30  # no second sign-out while we look
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill("pw-for-tests-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/account/profile/")
    assert page.get_by_label("Phone", exact=True).input_value() == "98450 12345"
    assert "is back in the form" in page.content()
    shot(page, "restored")
