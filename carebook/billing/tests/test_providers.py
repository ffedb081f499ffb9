import re
from decimal import Decimal

import pytest

from carebook.billing.providers import Outcome, PaymentDetails, SimulatedGateway, luhn_ok
from carebook.billing.tests.factories import card


@pytest.mark.parametrize(
    ("details", "outcome"),
    [
        (card("4111111111111111"), Outcome.SUCCEEDED),
        (card("4000000000000002"), Outcome.DECLINED),
        (card("4000000000000119"), Outcome.TIMED_OUT),
        (PaymentDetails("upi", upi_id="asha@okbank"), Outcome.SUCCEEDED),
        (PaymentDetails("upi", upi_id="decline@okbank"), Outcome.DECLINED),
        (PaymentDetails("upi", upi_id="timeout@okbank"), Outcome.TIMED_OUT),
    ],
)
def test_the_test_number_chooses_the_outcome(details, outcome):
    result = SimulatedGateway().charge(amount=Decimal("649"), details=details, reference="r1")
    assert result.outcome == outcome
    if outcome == Outcome.SUCCEEDED:
        assert re.fullmatch(r"sim_txn_[0-9a-f]{24}", result.transaction_id)
    else:
        assert result.transaction_id == "" and result.message


def test_transaction_ids_are_unique_per_reference_and_repeat_for_a_retry():
    # Behaviour changed (#13): the reference is the idempotency key, so a retry is one charge.
    gateway = SimulatedGateway()
    ids = {
        gateway.charge(amount=Decimal(1), details=card(), reference=f"r{i}").transaction_id
        for i in range(50)
    }
    assert len(ids) == 50
    again = gateway.charge(amount=Decimal(1), details=card(), reference="r7")
    assert again.transaction_id in ids
    assert len(gateway.memory.movements) == 50


def test_only_a_hint_of_the_payer_is_kept():
    assert PaymentDetails("card", card_number="4111111111111111").payer_hint == "•••• 1111"
    assert PaymentDetails("upi", upi_id="asha.rao@okbank").payer_hint == "as••••••@okbank"
    long = PaymentDetails("upi", upi_id="a" * 200 + "@" + "b" * 60).payer_hint
    assert len(long) <= 64  # it fits Payment.payer_hint


def test_card_details_never_show_in_a_repr():
    text = repr(card("4111111111111111", cvc="987"))
    assert "4111" not in text and "987" not in text


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("4111111111111111", True),
        ("4000000000000002", True),
        ("4111111111111112", False),
        ("abcd", False),
    ],
)
def test_luhn(number, ok):
    assert luhn_ok(number) is ok
