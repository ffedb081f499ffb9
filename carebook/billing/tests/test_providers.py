import re
from decimal import Decimal

import pytest

from carebook.billing.providers import Outcome, PaymentDetails, SimulatedGateway, luhn_ok


@pytest.mark.parametrize(
    ("details", "outcome"),
    [
        (PaymentDetails("card", card_number="4111111111111111"), Outcome.SUCCEEDED),
        (PaymentDetails("card", card_number="4000000000000002"), Outcome.DECLINED),
        (PaymentDetails("card", card_number="4000000000000119"), Outcome.TIMED_OUT),
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


def test_transaction_ids_are_unique():
    gateway = SimulatedGateway()
    card = PaymentDetails("card", card_number="4111111111111111")
    ids = {
        gateway.charge(amount=Decimal(1), details=card, reference="r").transaction_id
        for _ in range(50)
    }
    assert len(ids) == 50


def test_only_a_hint_of_the_payer_is_kept():
    assert PaymentDetails("card", card_number="4111111111111111").payer_hint == "•••• 1111"
    assert PaymentDetails("upi", upi_id="asha.rao@okbank").payer_hint == "as••••••@okbank"


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
