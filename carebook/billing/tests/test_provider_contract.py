"""The payment provider contract (docs/payments.md), checked against the simulated gateway.

A real adapter runs the contract tests too: add a factory for it to PROVIDERS (with test-mode
keys and its own test cards). The last part walks each test card through the web form and the
REST endpoint.
"""

import inspect
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st

from carebook.accounts.tests.factories import StaffFactory
from carebook.accounts.tokens import token_create
from carebook.billing import ledger, providers
from carebook.billing.models import CreditNote, Invoice, Payment
from carebook.billing.providers import (
    Approved,
    ChargeResult,
    Declined,
    IdempotencyKeyReused,
    Outcome,
    PaymentDetails,
    PaymentProvider,
    RefundFailed,
    SimulatedGateway,
    SimulatorMemory,
    TryAgain,
    WebhookEventType,
    WebhookRejected,
    refund_id_or_raise,
)
from carebook.billing.services import credit_note_issue
from carebook.billing.tests.factories import card, held, paid_booking
from carebook.booking.models import Appointment
from carebook.core.timeutils import now as utcnow
from carebook.core.timeutils import zone

D = Decimal
PROVIDERS = [SimulatedGateway]
UPI = PaymentDetails(method="upi", upi_id="asha@okbank")


@pytest.fixture(params=PROVIDERS)
def gateway(request) -> PaymentProvider:
    return request.param()


PRICE = D("649.00")


def paid(gateway, key="k1", amount=PRICE, details=None) -> Approved:
    auth = gateway.authorise(idempotency_key=f"{key}-a", amount=amount, details=details or card())
    assert isinstance(auth, Approved), auth
    captured = gateway.capture(
        idempotency_key=f"{key}-c", transaction_id=auth.transaction_id, amount=amount
    )
    assert isinstance(captured, Approved), captured
    return captured


# The interface -----------------------------------------------------------------------------------


def test_every_call_is_keyword_only_and_money_moving_calls_take_an_idempotency_key(gateway):
    assert isinstance(gateway, PaymentProvider)
    for name in ("authorise", "capture", "refund", "parse_webhook"):
        params = inspect.signature(getattr(gateway, name)).parameters.values()
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params), name
        if name != "parse_webhook":
            assert "idempotency_key" in {p.name for p in params}, name


def test_authorise_capture_refund(gateway):
    auth = gateway.authorise(idempotency_key="a1", amount=D("649.00"), details=card())
    assert isinstance(auth, Approved) and auth.amount == D("649.00")
    capture = gateway.capture(
        idempotency_key="c1", transaction_id=auth.transaction_id, amount=D("649.00")
    )
    assert capture == Approved(transaction_id=auth.transaction_id, amount=D("649.00"))
    part = gateway.refund(idempotency_key="r1", transaction_id=auth.transaction_id, amount=D(149))
    rest = gateway.refund(idempotency_key="r2", transaction_id=auth.transaction_id, amount=D(500))
    assert isinstance(part, Approved) and isinstance(rest, Approved)
    assert part.refund_id and rest.refund_id and part.refund_id != rest.refund_id
    too_much = gateway.refund(
        idempotency_key="r3", transaction_id=auth.transaction_id, amount=D("0.01")
    )
    assert isinstance(too_much, Declined) and too_much.code == "amount_too_large"


def test_a_upi_payment_goes_through_too(gateway):
    assert paid(gateway, details=UPI).amount == D("649.00")


def test_capture_takes_at_most_what_was_authorised_and_only_once(gateway):
    auth = gateway.authorise(idempotency_key="a", amount=D(100), details=card())
    over = gateway.capture(idempotency_key="c0", transaction_id=auth.transaction_id, amount=D(101))
    assert isinstance(over, Declined) and over.code == "amount_too_large"
    assert isinstance(
        gateway.capture(idempotency_key="c1", transaction_id=auth.transaction_id, amount=D(100)),
        Approved,
    )
    again = gateway.capture(idempotency_key="c2", transaction_id=auth.transaction_id, amount=D(100))
    assert isinstance(again, Declined) and again.code == "already_captured"


@pytest.mark.parametrize("amount", [D(0), D(-1), D("1.001")])
def test_amounts_are_positive_with_at_most_two_places(gateway, amount):
    result = gateway.authorise(idempotency_key="a", amount=amount, details=card())
    assert isinstance(result, Declined) and result.code == "invalid_amount"


def test_an_unknown_payment_cannot_be_captured_or_refunded(gateway):
    for call in (gateway.capture, gateway.refund):
        result = call(idempotency_key=f"{call.__name__}", transaction_id="pay_nope", amount=D(1))
        assert isinstance(result, Declined) and result.code == "not_found"


# Test cards --------------------------------------------------------------------------------------

# The list docs/payments.md gives: details, result type, code, reason.
DECLINES = [
    (card("4000000000000002"), "card_declined", "The card was declined."),
    (card("4000000000009995"), "insufficient_funds", "The card has insufficient funds."),
    (card("4000000000000069"), "expired_card", "The card has expired."),
    (card("4000000000000127"), "incorrect_cvc", "The card's security code is incorrect."),
    (
        PaymentDetails("upi", upi_id="decline@okbank"),
        "upi_declined",
        "The payment was declined in the UPI app.",
    ),
    (
        PaymentDetails("upi", upi_id="failure@razorpay"),
        "upi_declined",
        "The payment was declined in the UPI app.",
    ),
    (
        PaymentDetails("upi", upi_id="insufficient@okbank"),
        "insufficient_funds",
        "The bank account has insufficient funds.",
    ),
]
TRY_AGAIN = [
    (
        card("4000000000000119"),
        "processing_error",
        "The bank could not process the card in time. Nothing was charged.",
    ),
    (PaymentDetails("upi", upi_id="timeout@okbank"), "timeout", "The UPI app did not answer."),
]
APPROVED = [
    card("4111111111111111"),
    card("4242424242424242"),
    card("5555555555554444"),
    card("378282246310005", cvc="1234"),
    PaymentDetails("upi", upi_id="success@razorpay"),
]


@pytest.mark.parametrize(("details", "code", "reason"), DECLINES)
def test_test_cards_decline_with_a_code_and_a_reason(gateway, details, code, reason):
    result = gateway.authorise(idempotency_key="k", amount=D(649), details=details)
    assert result == Declined(code, reason)


@pytest.mark.parametrize(("details", "code", "reason"), TRY_AGAIN)
def test_test_cards_that_ask_to_try_again(gateway, details, code, reason):
    result = gateway.authorise(idempotency_key="k", amount=D(649), details=details)
    assert result == TryAgain(code, reason)


@pytest.mark.parametrize("details", APPROVED)
def test_other_valid_cards_and_upi_ids_are_approved(gateway, details):
    assert isinstance(
        gateway.authorise(idempotency_key="k", amount=D(1), details=details), Approved
    )


@pytest.mark.parametrize(
    ("details", "code"),
    [
        (card("4111111111111112"), "incorrect_number"),
        (PaymentDetails("card", card_number="4111111111111111", card_cvc="123"), "invalid_expiry"),
        (card(cvc="12"), "invalid_cvc"),
        (card("378282246310005", cvc="123"), "invalid_cvc"),
        (PaymentDetails("upi", upi_id="asha"), "invalid_vpa"),
    ],
)
def test_the_gateway_itself_refuses_details_a_door_let_through(gateway, details, code):
    result = gateway.authorise(idempotency_key="k", amount=D(1), details=details)
    assert isinstance(result, Declined) and result.code == code and result.reason


def test_the_card_that_expired_in_january_2020_is_never_charged():
    gateway = SimulatedGateway()
    expired = PaymentDetails(
        "card",
        card_number="4111111111111111",
        card_expiry_month=1,
        card_expiry_year=2020,
        card_cvc="123",
    )
    result = gateway.authorise(idempotency_key="k", amount=D(649), details=expired)
    assert result == Declined("expired_card", "The card has expired.")
    charge = gateway.charge(amount=D(649), details=expired, reference="carebook-payment-1")
    assert charge.outcome == Outcome.DECLINED and charge.code == "expired_card"
    assert gateway.memory.movements == []


def test_a_card_is_good_until_the_end_of_its_expiry_month(gateway):
    midnight = datetime(2026, 1, 1, tzinfo=zone("Asia/Kolkata"))
    details = PaymentDetails(
        "card",
        card_number="4111111111111111",
        card_expiry_month=12,
        card_expiry_year=2025,
        card_cvc="123",
    )
    with time_machine.travel(midnight - timedelta(seconds=1), tick=False):
        assert isinstance(
            gateway.authorise(idempotency_key="a", amount=D(1), details=details), Approved
        )
    with time_machine.travel(midnight, tick=False):
        late = gateway.authorise(idempotency_key="b", amount=D(1), details=details)
        assert isinstance(late, Declined) and late.code == "expired_card"


# Idempotency -------------------------------------------------------------------------------------

amounts = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
keys = st.text(min_size=1, max_size=40)


@given(keys, amounts)
def test_the_same_key_and_request_answers_the_same_and_charges_once(key, amount):
    gateway = SimulatedGateway()
    first = gateway.charge(amount=amount, details=card(), reference=key)
    again = gateway.charge(amount=amount, details=card(), reference=key)
    assert first == again and first.succeeded
    assert [m.kind for m in gateway.memory.movements] == ["capture"]
    refund = [
        gateway.refund(
            idempotency_key=f"{key}-r", transaction_id=first.transaction_id, amount=amount
        )
        for _ in range(2)
    ]
    assert refund[0] == refund[1]
    assert [m.kind for m in gateway.memory.movements] == ["capture", "refund"]


@given(keys, amounts, amounts)
def test_the_same_key_with_another_request_is_refused(key, amount, other):
    gateway = SimulatedGateway()
    gateway.authorise(idempotency_key=key, amount=amount, details=card())
    if other != amount:
        with pytest.raises(IdempotencyKeyReused):
            gateway.authorise(idempotency_key=key, amount=other, details=card())
    with pytest.raises(IdempotencyKeyReused):
        gateway.authorise(idempotency_key=key, amount=amount, details=card(cvc="321"))
    with pytest.raises(IdempotencyKeyReused):  # a key is one request, whatever the call
        gateway.refund(idempotency_key=key, transaction_id="sim_txn_" + "0" * 24, amount=amount)


def test_a_declined_answer_is_kept_but_try_again_is_not():
    gateway = SimulatedGateway()
    gateway.authorise(idempotency_key="d", amount=D(1), details=card("4000000000000002"))
    gateway.authorise(idempotency_key="t", amount=D(1), details=card("4000000000000119"))
    assert "d" in gateway.memory.answers and "t" not in gateway.memory.answers


def test_two_simulators_answer_a_repeated_request_alike():
    # As two worker processes would: the ids come from the key and the request.
    first = SimulatedGateway().charge(amount=D(649), details=card(), reference="carebook-payment-7")
    again = SimulatedGateway().charge(amount=D(649), details=card(), reference="carebook-payment-7")
    assert first.transaction_id == again.transaction_id
    assert first.transaction_id.startswith("sim_txn_")


def test_a_shared_memory_is_one_gateway():
    memory = SimulatorMemory()
    paid(SimulatedGateway(memory=memory), key="x")
    assert len(SimulatedGateway(memory=memory).memory.movements) == 1


# Webhooks ----------------------------------------------------------------------------------------


def test_each_event_survives_a_signed_delivery(gateway):
    captured = paid(gateway)
    gateway.refund(idempotency_key="r", transaction_id=captured.transaction_id, amount=D(49))
    gateway.authorise(idempotency_key="d", amount=D(1), details=card("4000000000000002"))
    kinds = [e.type for e in gateway.memory.events]
    assert kinds == [
        WebhookEventType.PAYMENT_AUTHORISED,
        WebhookEventType.PAYMENT_CAPTURED,
        WebhookEventType.REFUND_PROCESSED,
        WebhookEventType.PAYMENT_FAILED,
    ]
    for event in gateway.memory.events:
        body, headers = gateway.webhook_delivery(event)
        lower = {k.lower(): v for k, v in headers.items()}  # header names are case-insensitive
        assert gateway.parse_webhook(body=body, headers=lower) == event
    assert gateway.memory.events[-1].code == "card_declined"
    assert gateway.memory.events[2].refund_id.startswith("sim_rfnd_")


def test_a_forged_stale_or_unsigned_delivery_is_rejected(gateway):
    paid(gateway)
    event = gateway.memory.events[-1]
    body, headers = gateway.webhook_delivery(event)
    with pytest.raises(WebhookRejected):
        gateway.parse_webhook(body=body.replace(b"649.00", b"6490.00"), headers=headers)
    with pytest.raises(WebhookRejected):
        SimulatedGateway(webhook_secret="another").parse_webhook(body=body, headers=headers)
    with pytest.raises(WebhookRejected):
        gateway.parse_webhook(body=body, headers={})
    stale_body, stale = gateway.webhook_delivery(
        event, timestamp=int((utcnow() - timedelta(minutes=6)).timestamp())
    )
    with pytest.raises(WebhookRejected):
        gateway.parse_webhook(body=stale_body, headers=stale)
    with pytest.raises(WebhookRejected):
        gateway.parse_webhook(body=body, headers={"Carebook-Signature": "t=1,v1="})
    now = int(utcnow().timestamp())
    for forged in (f"t={now},v1=ünïcode", f"t=١٢,v1={'0' * 64}", f"t={'9' * 40},v1=00"):
        with pytest.raises(WebhookRejected):
            gateway.parse_webhook(body=body, headers={"Carebook-Signature": forged})


# The billing callers ----------------------------------------------------------------------------


def test_charge_answers_in_the_services_terms():
    result = SimulatedGateway().charge(
        amount=D(649), details=card("4000000000009995"), reference="p"
    )
    assert result == ChargeResult(
        Outcome.DECLINED, message="The card has insufficient funds.", code="insufficient_funds"
    )
    timed_out = SimulatedGateway().charge(
        amount=D(649), details=card("4000000000000119"), reference="p"
    )
    assert timed_out.outcome == Outcome.TIMED_OUT


def test_a_refund_not_made_raises_for_the_task_to_retry():
    assert refund_id_or_raise(Approved("sim_txn_x", D(1), refund_id="sim_rfnd_y")) == "sim_rfnd_y"
    with pytest.raises(RefundFailed):
        refund_id_or_raise(TryAgain("timeout", "No answer"))


class DecliningRefunds(SimulatedGateway):
    def refund(self, **kwargs):
        return Declined("card_declined", "The issuer refused the refund.")


@pytest.mark.django_db
def test_a_declined_refund_leaves_the_credit_note_pending_and_a_retry_queued(clinic, monkeypatch):
    appointment = paid_booking()
    monkeypatch.setattr(ledger, "provider_get", DecliningRefunds)
    note = credit_note_issue(invoice=appointment.invoice, reason="Goodwill", by=StaffFactory())
    assert note.refund_status == CreditNote.RefundStatus.PENDING
    assert DBTaskResult.objects.filter(task_path="carebook.billing.tasks.credit_note_send").exists()


def test_the_installation_chooses_its_gateway_by_setting(settings):
    assert isinstance(providers.provider_get(), SimulatedGateway)
    settings.CAREBOOK_PAYMENT_PROVIDER = "carebook.billing.tests.test_provider_contract.Plain"
    with pytest.raises(ImproperlyConfigured):
        providers.provider_get()


class Plain:
    pass


# Each test card through both doors ---------------------------------------------------------------


def form_data(details: PaymentDetails) -> dict:
    if details.method == "upi":
        return {"method": "upi", "upi_id": details.upi_id}
    return {
        "method": "card",
        "card_number": details.card_number,
        "card_expiry": f"{details.card_expiry_month:02d}/{details.card_expiry_year % 100:02d}",
        "card_cvc": details.card_cvc,
    }


def rest_client(user) -> Client:
    _token, raw = token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def assert_declined_and_held(appointment: Appointment, reason: str) -> None:
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.HELD
    payment = Payment.objects.get(appointment=appointment)
    assert (payment.status, payment.message, payment.invoice_id) == (
        Payment.Status.FAILED,
        reason,
        None,
    )
    assert not Invoice.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("details", "code", "reason"), DECLINES)
def test_each_decline_through_the_web_form(client, clinic, details, code, reason):
    appointment = held()
    client.force_login(appointment.patient)
    url = reverse("billing:pay", args=[appointment.pk])
    response = client.post(url, form_data(details))
    assert response.status_code == 400
    assert reason in response.content.decode().replace("&#x27;", "'")
    assert "Nothing was charged" in response.content.decode()
    assert_declined_and_held(appointment, reason)
    # The hold is intact: the patient pays with another card and the visit is booked.
    retry = client.post(url, form_data(card()))
    assert retry.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.REQUESTED
    assert Invoice.objects.get(appointment=appointment).status == Invoice.Status.PAID


@pytest.mark.django_db
@pytest.mark.parametrize(("details", "code", "reason"), DECLINES)
def test_each_decline_through_the_rest_endpoint(clinic, details, code, reason):
    appointment = held()
    api = rest_client(appointment.patient)
    url = f"/api/v1/appointments/{appointment.pk}/pay"
    response = api.post(url, form_data(details), content_type="application/json")
    assert response.status_code == 402, response.content
    body = response.json()
    assert body["appointment_status"] == "held" and body["invoice_id"] is None
    assert (body["payment"]["status"], body["payment"]["message"]) == ("failed", reason)
    assert_declined_and_held(appointment, reason)
    retry = api.post(url, form_data(card()), content_type="application/json")
    assert retry.status_code == 200 and retry.json()["appointment_status"] == "requested"


@pytest.mark.django_db
@pytest.mark.parametrize(("details", "code", "reason"), TRY_AGAIN)
def test_a_try_again_releases_the_hold_at_both_doors(client, clinic, details, code, reason):
    web_hold, rest_hold = held(), held()
    client.force_login(web_hold.patient)
    page = client.post(reverse("billing:pay", args=[web_hold.pk]), form_data(details))
    assert page.status_code == 409 and "slot was released" in page.content.decode()
    answer = rest_client(rest_hold.patient).post(
        f"/api/v1/appointments/{rest_hold.pk}/pay",
        form_data(details),
        content_type="application/json",
    )
    assert answer.status_code == 409 and "slot was released" in answer.json()["detail"]
    for appointment in (web_hold, rest_hold):
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.CANCELLED
        payment = Payment.objects.get(appointment=appointment)
        assert (payment.status, payment.message) == (Payment.Status.FAILED, reason)
    assert not Invoice.objects.exists()
