import pytest
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.accounts.tokens import token_create
from carebook.billing.tests.factories import booked
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.core.security_log import SecurityEvent
from carebook.webhooks.models import Endpoint
from carebook.webhooks.secrets import secret_decrypt
from carebook.webhooks.tests.conftest import run_webhook_tasks

pytestmark = pytest.mark.django_db
URL = "https://crm.example.com/hooks/carebook"


def bearer(user) -> Client:
    _token, raw = token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def api(dns):
    return bearer(StaffFactory())


def create(api, **body):
    return api.post(
        "/api/v1/webhooks",
        {"url": URL, "events": ["appointment.created"], **body},
        content_type="application/json",
    )


def test_staff_register_an_endpoint_and_see_its_secret_once(api):
    response = create(api, description="CRM", events=["appointment.created", "invoice.issued"])
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["appointment.created", "invoice.issued"]
    endpoint = Endpoint.objects.get(pk=body["id"])
    assert body["secret"] not in endpoint.secret_encrypted
    assert secret_decrypt(endpoint.secret_encrypted) == body["secret"]
    listed = api.get("/api/v1/webhooks").json()
    assert listed["count"] == 1 and "secret" not in listed["results"][0]
    one = api.get(f"/api/v1/webhooks/{endpoint.pk}").json()
    assert one["url"] == URL and "secret" not in one
    event = SecurityEvent.objects.get(
        kind=SecurityEvent.Kind.TOKEN_CREATED, detail__startswith="webhook"
    )
    assert f"webhook endpoint {endpoint.pk} created" in event.detail and event.door == "rest"


def test_a_given_secret_is_kept_and_a_malformed_one_refused(api):
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert create(api, secret=secret).json()["secret"] == secret
    response = create(api, secret="whsec_short")
    assert response.status_code == 422 and "whsec_" in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/in",
        "https://localhost/in",
        "https://10.1.2.3/in",
        "https://192.168.0.10/in",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/in",
        "https://[::ffff:127.0.0.1]/in",
        "https://100.64.0.1/in",
        "https://internal.partner.example/in",
        "http://crm.example.com/in",
        "https://user:pass@crm.example.com/in",
        "ftp://crm.example.com/in",
    ],
)
def test_loopback_private_plain_http_and_credentials_are_refused(api, dns, url):
    dns["localhost"] = ["127.0.0.1", "::1"]
    dns["internal.partner.example"] = ["93.184.216.34", "10.0.0.7"]
    response = create(api, url=url)
    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "webhook_target_refused"
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://crm.example.com/hooks/é",
        "https://bücher.example/in",
        "https://crm.example.com/?q=ü",
    ],
)
def test_a_url_with_characters_beyond_ascii_is_refused(api, url):
    response = create(api, url=url)
    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "webhook_target_refused"
    assert "%C3%A9" in response.json()["detail"]
    assert not Endpoint.objects.exists()


def test_private_targets_are_allowed_when_the_setting_says_so(api, settings):
    settings.CAREBOOK_WEBHOOKS_ALLOW_PRIVATE = True
    assert create(api, url="http://127.0.0.1:8000/in").status_code == 201


def test_unknown_events_and_no_events_are_refused(api):
    assert create(api, events=["appointment.exploded"]).status_code == 422
    assert create(api, events=[]).status_code == 422


def test_deleting_stops_sending_and_is_logged(api):
    endpoint_id = create(api).json()["id"]
    assert api.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 204
    assert api.get(f"/api/v1/webhooks/{endpoint_id}").status_code == 404
    assert not Endpoint.objects.exists()
    event = SecurityEvent.objects.get(
        kind=SecurityEvent.Kind.TOKEN_REVOKED, detail__startswith="webhook"
    )
    assert f"webhook endpoint {endpoint_id} deleted" in event.detail


def test_deliveries_list_each_attempt_and_replay_queues_again(receiver, staff):
    api = bearer(staff)
    receiver.answers = [500]
    created = create(api, url=receiver.url).json()
    receiver.secret = created["secret"]
    booked(confirm=False)
    run_webhook_tasks(allow_failures=True)
    page = api.get(f"/api/v1/webhooks/{created['id']}/deliveries").json()
    (delivery,) = page["results"]
    assert delivery["type"] == "appointment.created"
    assert delivery["webhook_id"] == receiver.received[0]["headers"]["webhook-id"]
    assert delivery["status"] == "pending"
    assert delivery["attempt_log"][0]["status_code"] == 500
    assert delivery["attempt_log"][0]["response"] == "answer 500"
    replay = f"/api/v1/webhooks/{created['id']}/deliveries/{delivery['id']}/replay"
    assert api.post(replay).status_code == 409  # still being retried


@pytest.mark.parametrize("who", ["patient", "practitioner"])
def test_only_staff_may_use_webhooks(dns, who):
    endpoint = Endpoint.objects.create(
        url=URL, events=["appointment.created"], secret_encrypted="x"
    )
    user = PatientFactory() if who == "patient" else PractitionerFactory().user
    client = bearer(user)
    assert create(client).status_code == 403
    assert client.get("/api/v1/webhooks").status_code == 403
    assert client.get(f"/api/v1/webhooks/{endpoint.pk}").status_code == 403
    assert client.delete(f"/api/v1/webhooks/{endpoint.pk}").status_code == 403
    assert client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").status_code == 403
    assert Client().get("/api/v1/webhooks").status_code == 401
    assert Endpoint.objects.count() == 1
