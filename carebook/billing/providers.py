"""Payment providers: one interface, a simulated card/UPI gateway for demos and tests.

A provider is called outside any database transaction (it is the network); the services record
what it answered. Card numbers and UPI ids pass through and are never stored.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class ChargeResult:
    outcome: Outcome
    transaction_id: str = ""
    message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.outcome == Outcome.SUCCEEDED


@dataclass(frozen=True)
class PaymentDetails:
    """What the payer typed: a card number or a UPI id (kept in memory only)."""

    method: str  # "card" or "upi"
    card_number: str = ""
    upi_id: str = ""

    @property
    def payer_hint(self) -> str:
        """What may be stored: the card's last four digits, or a masked UPI id."""
        if self.method == "card":
            return f"•••• {self.card_number[-4:]}"
        name, _at, handle = self.upi_id.partition("@")
        return f"{name[:2]}{'•' * max(len(name) - 2, 1)}@{handle}"


class PaymentProvider:
    """Charge and refund money; subclasses talk to a real gateway."""

    name = "base"

    def charge(self, *, amount: Decimal, details: PaymentDetails, reference: str) -> ChargeResult:
        raise NotImplementedError

    def refund(self, *, transaction_id: str, amount: Decimal, reference: str) -> str:
        """Refund (part of) a charge; return the provider's refund reference.

        `reference` is the idempotency key: refunding twice under one reference refunds once
        and answers the same refund reference.
        """
        raise NotImplementedError


DECLINE_CARD = "4000000000000002"
TIMEOUT_CARD = "4000000000000119"


class SimulatedGateway(PaymentProvider):
    """A pretend gateway. The number or UPI id chooses the outcome, as test cards do:

    - card 4000 0000 0000 0002 or UPI `decline@…`: declined;
    - card 4000 0000 0000 0119 or UPI `timeout@…`: no answer in time;
    - any other card that passes the Luhn check (e.g. 4111 1111 1111 1111), or any other UPI id:
      succeeds with a transaction id like `sim_txn_<24 hex>`.
    """

    name = "simulated"

    def charge(self, *, amount: Decimal, details: PaymentDetails, reference: str) -> ChargeResult:
        if details.method == "card":
            number = details.card_number
            if number == DECLINE_CARD:
                return ChargeResult(Outcome.DECLINED, message=_("The card was declined."))
            if number == TIMEOUT_CARD:
                return ChargeResult(Outcome.TIMED_OUT, message=_("The bank did not answer."))
        else:
            user = details.upi_id.partition("@")[0].lower()
            if user == "decline":
                return ChargeResult(
                    Outcome.DECLINED, message=_("The payment was declined in the UPI app.")
                )
            if user == "timeout":
                return ChargeResult(Outcome.TIMED_OUT, message=_("The UPI app did not answer."))
        return ChargeResult(Outcome.SUCCEEDED, transaction_id=f"sim_txn_{secrets.token_hex(12)}")

    def refund(self, *, transaction_id: str, amount: Decimal, reference: str) -> str:
        # Derived from the idempotency reference, as a real gateway answers a repeated request.
        return f"sim_rfnd_{hashlib.sha256(reference.encode()).hexdigest()[:24]}"


def luhn_ok(number: str) -> bool:
    if not re.fullmatch(r"\d{12,19}", number):
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def provider_get() -> PaymentProvider:
    """The gateway this installation charges through (only the simulated one ships)."""
    return SimulatedGateway()
