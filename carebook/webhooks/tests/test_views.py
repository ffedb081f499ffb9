from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from carebook.accounts.tests.factories import PatientFactory
from carebook.billing.tests.factories import booked
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.core.security_log import SecurityEvent
from carebook.webhooks.models import Delivery, Endpoint
from carebook.webhooks.tests.conftest import run_webhook_tasks, subscribe

pytestmark = pytest.mark.django_db
URL = "https://crm.example.com/hooks/carebook"


@pytest.fixture
def office(client, staff):
    client.force_login(staff)
    return client


def test_staff_register_an_endpoint_and_the_secret_is_shown_once(office, dns):
    page = office.get(reverse("office:webhooks"))
    assert page.status_code == 200 and b"New endpoint" in page.content
    response = office.post(
        reverse("office:webhook_create"),
        {"url": URL, "events": ["appointment.created", "payment.captured"], "description": "CRM"},
    )
    assert response.status_code == 201
    endpoint = Endpoint.objects.get()
    secret = response.context["secret"]
    assert secret.startswith("whsec_") and secret.encode() in response.content
    assert endpoint.events == ["appointment.created", "payment.captured"]
    again = office.get(reverse("office:webhook", args=[endpoint.pk]))
    assert again.status_code == 200 and secret.encode() not in again.content
    assert SecurityEvent.objects.filter(
        detail__startswith=f"webhook endpoint {endpoint.pk}"
    ).exists()


def test_a_private_target_is_a_form_error(office, dns):
    response = office.post(
        reverse("office:webhook_create"),
        {"url": "https://10.0.0.5/in", "events": ["invoice.issued"]},
    )
    assert response.status_code == 400
    assert b"private" in response.content
    assert not Endpoint.objects.exists()


def test_registering_and_deleting_ask_staff_to_confirm_it_is_them_after_ten_minutes(office, dns):
    with time_machine.travel(timedelta(minutes=11)):
        response = office.post(
            reverse("office:webhook_create"), {"url": URL, "events": ["invoice.issued"]}
        )
    assert response.status_code == 302 and reverse("step_up") in response["Location"]
    assert not Endpoint.objects.exists()


def test_the_detail_page_lists_attempts_and_replay_sends_again(office, receiver, staff):
    endpoint = subscribe(receiver, ["appointment.created"], staff)
    receiver.answers = [500]
    booked(confirm=False)
    run_webhook_tasks(allow_failures=True)
    Delivery.objects.filter(endpoint=endpoint).update(status="failed")  # as after the last try
    page = office.get(reverse("office:webhook", args=[endpoint.pk]))
    assert b"HTTP 500" in page.content and b"answer 500" in page.content
    delivery = endpoint.deliveries.get()
    response = office.post(reverse("office:webhook_replay", args=[endpoint.pk, delivery.pk]))
    assert response.status_code == 302
    run_webhook_tasks(allow_failures=True)
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert delivery.attempt_log.first().trigger == "replay"


def test_delete_removes_the_endpoint(office, dns, staff):
    endpoint = Endpoint.objects.create(url=URL, events=["invoice.issued"], secret_encrypted="x")
    response = office.post(reverse("office:webhook_delete", args=[endpoint.pk]))
    assert response.status_code == 302
    assert not Endpoint.objects.exists()


def test_the_detail_page_reads_a_bounded_number_of_queries(
    office, receiver, staff, django_assert_max_num_queries
):
    endpoint = subscribe(receiver, ["appointment.created", "appointment.confirmed"], staff)
    for _ in range(3):
        booked(confirm=True, patient=PatientFactory())
    run_webhook_tasks()
    with django_assert_max_num_queries(12):
        page = office.get(reverse("office:webhook", args=[endpoint.pk]))
    assert page.content.count(b"HTTP 204") == 6


@pytest.mark.parametrize("who", ["patient", "practitioner"])
def test_the_pages_are_not_there_for_patients_and_practitioners(client, who):
    endpoint = Endpoint.objects.create(url=URL, events=["invoice.issued"], secret_encrypted="x")
    client.force_login(PatientFactory() if who == "patient" else PractitionerFactory().user)
    assert client.get(reverse("office:webhooks")).status_code == 404
    assert client.get(reverse("office:webhook", args=[endpoint.pk])).status_code == 404
    assert client.post(reverse("office:webhook_delete", args=[endpoint.pk])).status_code == 404
    assert Endpoint.objects.exists()
