from datetime import timedelta

import pytest
import time_machine

from carebook.accounts.tests.factories import PatientFactory
from carebook.billing.services import credit_note_issue, payment_record
from carebook.billing.tests.factories import booked, completed, issued_invoice
from carebook.booking.services import appointment_cancel
from carebook.core.timeutils import now as utcnow
from carebook.core.transactions import request_transaction
from carebook.webhooks import sender
from carebook.webhooks.models import Attempt, Delivery, Endpoint, Message
from carebook.webhooks.secrets import secret_encrypt, secret_generate
from carebook.webhooks.services import delivery_replay, endpoint_create
from carebook.webhooks.tests.conftest import run_webhook_tasks, subscribe, webhook_tasks

pytestmark = pytest.mark.django_db


def test_a_booking_reaches_the_endpoint_signed_and_verifiable(receiver, staff):
    endpoint = subscribe(receiver, ["appointment.created", "appointment.confirmed"], staff)
    appointment = booked(confirm=True)
    assert receiver.received == []  # nothing leaves before the worker runs, after commit
    run_webhook_tasks()
    assert receiver.types() == ["appointment.created", "appointment.confirmed"]
    assert all(r["verified"] for r in receiver.received)
    created = receiver.received[0]
    assert created["path"] == "/hooks/carebook?src=test"
    assert created["headers"]["webhook-id"].startswith("msg_")
    assert created["headers"]["user-agent"].startswith("carebook-webhooks/")
    data = created["payload"]["data"]
    assert data["id"] == appointment.pk
    assert data["status"] == "requested"
    assert data["previous_status"] is None
    assert data["patient"] == {"id": appointment.patient_id, "name": appointment.patient.full_name}
    assert data["time_zone"] == "Asia/Kolkata"
    assert data["change"]["action"] == "booked"
    confirmed = receiver.received[1]["payload"]["data"]
    assert (confirmed["status"], confirmed["previous_status"]) == ("confirmed", "requested")
    assert list(endpoint.deliveries.values_list("status", "attempts")) == [
        ("succeeded", 1),
        ("succeeded", 1),
    ]
    attempt = Attempt.objects.filter(delivery__endpoint=endpoint).first()
    assert attempt.status_code == 204 and attempt.error == "" and attempt.trigger == "event"


def test_an_endpoint_gets_only_the_events_it_chose(receiver, staff):
    subscribe(receiver, ["appointment.cancelled"], staff)
    appointment = booked(confirm=True)
    appointment_cancel(appointment=appointment, by=appointment.patient, reason="Feeling better")
    run_webhook_tasks()
    assert receiver.types() == ["appointment.cancelled"]
    data = receiver.received[0]["payload"]["data"]
    assert data["change"] == {
        "history_id": data["change"]["history_id"],
        "action": "cancel",
        "by": "patient",
    }
    assert Message.objects.count() == 1  # no listener, no message stored
    # A patient's own words are clinical; third parties get who acted, not why.
    assert "Feeling better" not in Message.objects.get().body


def test_nothing_is_queued_or_sent_when_the_change_rolls_back(receiver, staff):
    subscribe(receiver, ["appointment.created"], staff)

    class Undo(Exception):
        pass

    # The way a request that commits its answer with the change wraps the booking.
    with pytest.raises(Undo), request_transaction():
        booked(confirm=False)
        assert webhook_tasks().count() == 1
        raise Undo
    assert webhook_tasks().count() == 0
    assert Delivery.objects.count() == 0
    run_webhook_tasks()
    assert receiver.received == []


def test_a_500_is_retried_later_with_backoff_and_every_attempt_is_logged(receiver, staff, settings):
    settings.CAREBOOK_TASK_RETRY_BACKOFF_SECONDS = 30
    endpoint = subscribe(receiver, ["appointment.created"], staff)
    receiver.answers = [500, 503]
    booked(confirm=False)
    failed = run_webhook_tasks(allow_failures=True)
    assert len(failed) == 1
    delivery = endpoint.deliveries.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    retry = webhook_tasks().filter(status="READY").get()
    assert retry.run_after - utcnow() > timedelta(seconds=25)
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    run_webhook_tasks(allow_failures=True)
    assert len(receiver.received) == 1  # not yet due
    with time_machine.travel(utcnow() + timedelta(seconds=31), tick=False):
        run_webhook_tasks(allow_failures=True)  # 503: retried again, after 60 s
        assert len(receiver.received) == 2
    with time_machine.travel(utcnow() + timedelta(seconds=95), tick=False):
        run_webhook_tasks()
    assert len(receiver.received) == 3
    assert len({r["headers"]["webhook-id"] for r in receiver.received}) == 1
    assert all(r["verified"] for r in receiver.received)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)
    log = list(
        delivery.attempt_log.order_by("at").values_list("status_code", "trigger", "response")
    )
    assert log == [(500, "event", "answer 500"), (503, "retry", "answer 503"), (204, "retry", "")]


def test_after_the_last_attempt_the_delivery_fails_and_staff_can_replay_it(
    receiver, staff, settings
):
    settings.CAREBOOK_TASK_MAX_ATTEMPTS = 1
    endpoint = subscribe(receiver, ["appointment.created"], staff)
    receiver.answers = [500]
    booked(confirm=False)
    run_webhook_tasks(allow_failures=True)
    delivery = endpoint.deliveries.get()
    assert delivery.status == "failed"
    delivery_replay(delivery=delivery, by=staff)
    run_webhook_tasks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    first, second = receiver.received
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert second["verified"]
    assert delivery.attempt_log.first().trigger == "replay"


def test_410_gone_disables_the_endpoint_without_retrying(receiver, staff):
    endpoint = subscribe(receiver, ["appointment.created"], staff)
    receiver.answers = [410]
    booked(confirm=False)
    run_webhook_tasks()
    endpoint.refresh_from_db()
    assert not endpoint.is_active and "410" in endpoint.disabled_reason
    assert endpoint.deliveries.get().status == "failed"
    booked(confirm=False, patient=PatientFactory())
    run_webhook_tasks()
    assert len(receiver.received) == 1


def test_a_host_that_now_resolves_to_loopback_is_refused_at_send_time(
    receiver, staff, dns, settings
):
    settings.CAREBOOK_WEBHOOKS_ALLOW_PRIVATE = False
    settings.CAREBOOK_TASK_MAX_ATTEMPTS = 1
    dns["hooks.partner.example"] = ["93.184.216.34"]
    port = receiver.server.server_address[1]
    endpoint_create(
        url=f"https://hooks.partner.example:{port}/in", events=["appointment.created"], by=staff
    )
    dns["hooks.partner.example"] = ["93.184.216.34", "127.0.0.1"]  # rebinding, after registration
    booked(confirm=False)
    run_webhook_tasks(allow_failures=True)
    assert receiver.received == []
    attempt = Attempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error.startswith("Refused:") and "127.0.0.1" in attempt.error


def test_redirects_are_not_followed(receiver, staff):
    subscribe(receiver, ["appointment.created"], staff)
    receiver.answers = [302]
    booked(confirm=False)
    run_webhook_tasks(allow_failures=True)
    assert len(receiver.received) == 1
    assert Attempt.objects.get().status_code == 302
    assert Delivery.objects.get().status == "pending"


def test_invoices_payments_and_credit_notes_are_events(receiver, staff):
    subscribe(receiver, ["invoice.issued", "payment.captured", "credit_note.issued"], staff)
    invoice = issued_invoice(completed())
    payment = payment_record(invoice=invoice, method="cash", by=staff)
    note = credit_note_issue(invoice=invoice, reason="Billed twice", by=staff)
    run_webhook_tasks()
    assert receiver.types() == ["invoice.issued", "payment.captured", "credit_note.issued"]
    issued, captured, credited = (r["payload"]["data"] for r in receiver.received)
    assert (issued["number"], issued["total"], issued["currency"]) == (
        invoice.number,
        str(invoice.total),
        "INR",
    )
    assert (captured["id"], captured["amount"], captured["method"]) == (
        payment.pk,
        str(invoice.total),
        "cash",
    )
    assert (credited["number"], credited["invoice_number"], credited["refund_status"]) == (
        note.number,
        invoice.number,
        "at_counter",
    )
    assert "reason" not in credited
    assert not Message.objects.filter(body__contains="Billed twice").exists()


def test_a_url_that_cannot_be_sent_fails_the_delivery_instead_of_leaving_it_pending(
    receiver, staff, settings
):
    settings.CAREBOOK_TASK_MAX_ATTEMPTS = 1
    # Stored before registration refused such URLs: http.client cannot encode it.
    endpoint = Endpoint.objects.create(
        url=receiver.url.replace("/hooks/carebook", "/hooks/é"),
        events=["appointment.created"],
        secret_encrypted=secret_encrypt(secret_generate()),
    )
    booked(confirm=False)
    run_webhook_tasks(allow_failures=True)
    assert receiver.received == []
    delivery = endpoint.deliveries.get()
    assert (delivery.status, delivery.claimed_until) == ("failed", None)
    assert delivery.attempt_log.get().error
    delivery_replay(delivery=delivery, by=staff)  # not stuck "still being tried"


def test_a_secret_no_key_decrypts_is_a_logged_failed_attempt_then_a_failed_delivery(
    receiver, staff, settings
):
    endpoint = subscribe(receiver, ["appointment.created"], staff)
    booked(confirm=False)
    settings.SECRET_KEY = "rotated-without-fallback-" + "z" * 40
    failed = run_webhook_tasks(allow_failures=True)
    assert len(failed) == 1 and receiver.received == []
    delivery = endpoint.deliveries.get()
    assert (delivery.status, delivery.claimed_until) == ("pending", None)  # retried later
    assert delivery.attempt_log.get().error.startswith("SecretUnreadable")
    assert webhook_tasks().filter(status="READY").count() == 1
    settings.CAREBOOK_TASK_MAX_ATTEMPTS = 2
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        run_webhook_tasks(allow_failures=True)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.claimed_until, delivery.attempts) == ("failed", None, 2)
    assert delivery.attempt_log.count() == 2
    assert delivery_replay(delivery=delivery, by=staff).status == "pending"


def test_any_error_while_sending_is_a_failed_attempt(receiver, staff, settings, monkeypatch):
    settings.CAREBOOK_TASK_MAX_ATTEMPTS = 1
    endpoint = subscribe(receiver, ["appointment.created"], staff)

    def broken(**_):
        raise RuntimeError("something unforeseen")

    monkeypatch.setattr(sender, "post", broken)
    booked(confirm=False)
    run_webhook_tasks(allow_failures=True)
    delivery = endpoint.deliveries.get()
    assert (delivery.status, delivery.claimed_until) == ("failed", None)
    assert delivery.attempt_log.get().error == "RuntimeError: something unforeseen"
