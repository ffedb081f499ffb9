"""What one request may cost, at the middleware and in the upload handler (every door)."""

import io
import json

import pytest
from django.core.handlers.wsgi import WSGIRequest
from django.test import Client, RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from carebook.core.limits import (
    RequestLimitsMiddleware,
    UploadLimitHandler,
    capped,
    distinct,
    upload_too_large,
)

MB = 1024 * 1024


def test_distinct_keeps_the_first_order_and_capped_refuses_too_many():
    assert distinct(["b", "a", "b", "a"]) == ["b", "a"]
    assert capped("x", ["1"] * 300) == ["1"]
    with pytest.raises(ValueError, match="at most 10 different values of x"):
        capped("x", [str(i) for i in range(11)])


# Bodies, judged by Content-Length before anything reads them ------------------------------------


def big_post(path: str, size: int, content_type: str = "application/json"):
    return Client().generic("POST", path, b"x" * size, content_type=content_type)


@pytest.mark.django_db
def test_an_api_body_over_the_limit_is_413_json():
    response = big_post("/api/v1/auth/token", 2_500_000)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_fhir_body_over_the_limit_is_413_operation_outcome():
    response = big_post("/fhir/R4/Appointment/$find", 2_500_000, "application/fhir+json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/fhir+json")
    body = json.loads(response.content)
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "too-long"


def test_a_web_body_over_the_limit_is_413_html():
    response = big_post("/account/login/", 2_500_000, "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "Request too large" in response.content.decode()


def test_a_multipart_body_may_carry_one_upload_but_not_more(settings):
    settings.CAREBOOK_UPLOAD_MAX_BYTES = 1000
    settings.CAREBOOK_UPLOAD_OVERHEAD_BYTES = 100
    assert big_post("/records/health/", 1101, MULTIPART_CONTENT).status_code == 413


def test_the_body_is_not_read_when_refused():
    stream = CountingStream(b"x" * 3 * MB)
    request = wsgi_request("/fhir/R4/Appointment/$find", stream, "application/fhir+json")
    response = RequestLimitsMiddleware(lambda r: pytest.fail("reached the view"))(request)
    assert response.status_code == 413
    assert stream.read_bytes == 0


def test_a_content_length_that_is_not_a_number_is_400():
    request = RequestFactory().post("/api/v1/auth/token", b"{}", content_type="application/json")
    request.META["CONTENT_LENGTH"] = "-5"
    response = RequestLimitsMiddleware(lambda r: pytest.fail("reached the view"))(request)
    assert response.status_code == 400


# Query strings -----------------------------------------------------------------------------------


def seen_by_view(path: str, query: str) -> tuple[int, dict]:
    seen = {}

    def view(request):
        seen.update({k: request.GET.getlist(k) for k in request.GET})
        return type("R", (), {"status_code": 200})()

    request = RequestFactory().get(f"{path}?{query}")
    return RequestLimitsMiddleware(view)(request).status_code, seen


def test_repeated_values_reach_the_view_once():
    status, seen = seen_by_view("/fhir/R4/Slot", "&".join(["service-type=7"] * 300) + "&a=1&a=2")
    assert status == 200
    assert seen == {"service-type": ["7"], "a": ["1", "2"]}


@pytest.mark.parametrize(
    "path,status,kind",
    [("/api/v1/appointments", 422, "json"), ("/fhir/R4/Slot", 400, "fhir"), ("/", 400, "html")],
)
def test_too_many_values_or_parameters_are_refused_at_every_door(path, status, kind):
    many_values = "&".join(f"service-type={i}" for i in range(11))
    many_names = "&".join(f"p{i}=1" for i in range(51))
    for query in (many_values, many_names):
        response = RequestLimitsMiddleware(lambda r: pytest.fail("reached the view"))(
            RequestFactory().get(f"{path}?{query}")
        )
        assert response.status_code == status
        if kind == "json":
            assert json.loads(response.content)["code"] == "too_many_parameters"
        elif kind == "fhir":
            assert json.loads(response.content)["issue"][0]["code"] == "too-costly"
        else:
            assert "at most" in response.content.decode()


# Uploads: read no further than the limit ---------------------------------------------------------


class CountingStream(io.BytesIO):
    """A request body that counts what was read of it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.read_bytes += len(line)
        return line


def wsgi_request(path: str, stream, content_type: str, length: int | None = None):
    environ = RequestFactory()._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=content_type,
        CONTENT_LENGTH=str(len(stream.getvalue()) if length is None else length),
    )
    environ["wsgi.input"] = stream
    return WSGIRequest(environ)


def multipart_request(file_bytes: int, *, length: int | None = None):
    body = encode_multipart(
        BOUNDARY, {"title": "scan", "file": io.BytesIO(b"%PDF-" + b"x" * file_bytes)}
    )
    stream = CountingStream(body)
    return wsgi_request("/records/patients/1/documents/", stream, MULTIPART_CONTENT, length), stream


def test_an_upload_stops_being_read_at_the_limit(settings):
    settings.CAREBOOK_UPLOAD_MAX_BYTES = 100 * 1024
    request, stream = multipart_request(20 * MB)  # the Content-Length tells the truth here
    assert "file" not in request.FILES
    assert request.POST["title"] == "scan"
    assert upload_too_large(request)
    # One chunk (64 KB) past the limit at most: not the 20 MB sent.
    assert stream.read_bytes < 100 * 1024 + 2 * 64 * 1024


def test_an_upload_within_the_limit_is_kept(settings):
    settings.CAREBOOK_UPLOAD_MAX_BYTES = 100 * 1024
    request, _ = multipart_request(90 * 1024)
    assert request.FILES["file"].size == 90 * 1024 + 5
    assert not upload_too_large(request)


def test_a_body_that_understates_its_length_is_read_only_that_far(settings):
    request, stream = multipart_request(10 * MB, length=200 * 1024)
    request.FILES  # noqa: B018
    assert stream.read_bytes <= 200 * 1024


def test_the_handler_is_installed_first():
    request, _ = multipart_request(10)
    assert isinstance(request.upload_handlers[0], UploadLimitHandler)
