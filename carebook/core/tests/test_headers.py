"""The headers every door sends: the CSP, no caching of personal data, no browser features."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from carebook.accounts.tests.factories import PatientFactory
from carebook.api.tests.conftest import bearer
from carebook.billing.tests.factories import demo_clinic, issued_invoice
from carebook.core.headers import carries_personal_data
from carebook.notifications.services import calendar_token_issue

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "carebook"
# Mail clients need inline styles, and no browser applies a CSP to an email.
EMAIL_TEMPLATES = re.compile(r"/templates/[^/]+/email/")
INLINE = {
    "inline <script>": re.compile(
        r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>"
    ),
    "<style>": re.compile(r"<style[\s>]"),
    'style=""': re.compile(r"\sstyle\s*="),
    "on…= handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx eval (hx-on, js:)": re.compile(r"hx-on|[\"']js:"),
}


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def assert_shared_headers(response):
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["Referrer-Policy"] == "same-origin"
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_template_has_inline_script_or_style():
    found = []
    for path in sorted(TEMPLATES.glob("**/templates/**/*.html")):
        if EMAIL_TEMPLATES.search(path.as_posix()):
            continue
        text = path.read_text()
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_public_page_has_the_policy_and_may_be_cached(client):
    response = client.get(reverse("about"))
    assert response.status_code == 200
    assert_shared_headers(response)
    assert not no_store(response)


def test_any_page_for_a_signed_in_person_is_not_stored(client):
    client.force_login(PatientFactory())
    response = client.get(reverse("about"))
    assert response.status_code == 200
    assert_shared_headers(response)
    assert no_store(response)


def test_api_answers_are_not_stored(client):
    public = client.get("/api/v1/specialties")
    assert public.status_code == 200 and no_store(public)
    me = bearer(PatientFactory()).get("/api/v1/auth/me")
    assert me.status_code == 200 and no_store(me)
    assert me["Permissions-Policy"] and me["Referrer-Policy"] == "same-origin"


def test_fhir_answers_are_not_stored(client):
    metadata = client.get("/fhir/R4/metadata")
    assert metadata.status_code == 200 and no_store(metadata)
    practitioners = client.get("/fhir/R4/Practitioner")
    assert practitioners.status_code == 200 and no_store(practitioners)
    assert "default-src 'self'" in practitioners["Content-Security-Policy"]


def test_invoice_pdf_is_not_stored():
    demo_clinic()
    invoice = issued_invoice()
    client = Client()
    client.force_login(invoice.patient)
    response = client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert no_store(response)
    assert "max-age=0" in response["Cache-Control"]


def test_calendar_feed_without_a_session_is_not_stored(client):
    demo_clinic()
    token = calendar_token_issue(user=PatientFactory())
    response = client.get(reverse("notifications:feed", args=[token]))
    assert response.status_code == 200
    # The view's own "private, max-age=300" gives way: the feed lists a person's visits.
    assert no_store(response)
    assert "max-age=300" not in response["Cache-Control"]


@pytest.mark.parametrize(
    ("content_type", "disposition", "personal"),
    [
        ("application/pdf", None, True),
        ("text/csv", 'attachment; filename="report.csv"', True),
        ("text/html; charset=utf-8", None, False),
    ],
)
def test_files_are_personal_even_without_a_session(content_type, disposition, personal):
    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    response = HttpResponse(b"", content_type=content_type)
    if disposition:
        response["Content-Disposition"] = disposition
    assert carries_personal_data(request, response) is personal


def test_swagger_ui_may_show_data_images_and_nothing_more_inline(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert re.search(r"img-src [^;]*data:", policy)
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
