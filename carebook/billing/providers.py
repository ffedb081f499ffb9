"""Payment providers: the contract a gateway adapter implements, and the simulated gateway.

`PaymentProvider` is the contract (docs/payments.md explains it): `authorise`, `capture` and
`refund` each take an idempotency key and answer `Approved`, `Declined` (a machine code and a
reason fit to show the payer) or `TryAgain` (nothing happened, or we cannot tell: retry the same
call with the same key); `parse_webhook` checks a delivery's signature and reads its event.
`charge` (authorise, then capture) is what the billing services call.

A provider is called outside any database transaction (it is the network); the services record
what it answered. Card numbers, security codes and UPI ids pass through and are never stored.
"""

import hashlib
import hmac
import json
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carebook.billing import cards
from carebook.core.timeutils import now as utcnow

CURRENCY = "INR"


# Results -----------------------------------------------------------------------------------------


class DeclineCode(StrEnum):
    """Why a gateway said no. The first five are what test cards produce."""

    CARD_DECLINED = "card_declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    EXPIRED_CARD = cards.EXPIRED_CARD
    INCORRECT_CVC = "incorrect_cvc"
    UPI_DECLINED = "upi_declined"
    INCORRECT_NUMBER = cards.INCORRECT_NUMBER
    INVALID_EXPIRY = cards.INVALID_EXPIRY
    INVALID_CVC = cards.INVALID_CVC
    INVALID_VPA = cards.INVALID_VPA
    INVALID_AMOUNT = "invalid_amount"
    UNSUPPORTED = "unsupported"
    NOT_FOUND = "not_found"
    ALREADY_CAPTURED = "already_captured"
    AMOUNT_TOO_LARGE = "amount_too_large"


class RetryCode(StrEnum):
    """Why a gateway could not answer; the same call with the same key may be tried again."""

    PROCESSING_ERROR = "processing_error"
    TIMEOUT = "timeout"
    UNAVAILABLE = "gateway_unavailable"


@dataclass(frozen=True)
class Approved:
    """The gateway did it. `transaction_id` names the payment (the same from authorise to
    refund); `refund_id` names the refund a `refund` call made."""

    transaction_id: str
    amount: Decimal
    refund_id: str = ""


@dataclass(frozen=True)
class Declined:
    """The gateway said no, for good: `code` for programs, `reason` for the payer."""

    code: str
    reason: str


@dataclass(frozen=True)
class TryAgain:
    """Nothing was done, or the outcome is unknown: call again with the same idempotency key."""

    code: str
    reason: str


GatewayResult = Approved | Declined | TryAgain


class IdempotencyKeyReused(ValueError):
    """The idempotency key was already used for a different request (a bug in the caller)."""


class WebhookRejected(Exception):
    """A webhook delivery that is not authentic, too old, or not readable; answer it 400."""


class RefundFailed(Exception):
    """The gateway did not refund; the caller's task retries under the same key."""

    def __init__(self, result: Declined | TryAgain):
        self.result = result
        super().__init__(f"{result.code}: {result.reason}")


class WebhookEventType(StrEnum):
    PAYMENT_AUTHORISED = "payment.authorised"
    PAYMENT_CAPTURED = "payment.captured"
    PAYMENT_FAILED = "payment.failed"
    REFUND_PROCESSED = "refund.processed"
    REFUND_FAILED = "refund.failed"


@dataclass(frozen=True)
class WebhookEvent:
    """What a gateway tells us later. `id` is the event's idempotency key: deliveries repeat."""

    id: str
    type: str
    transaction_id: str
    amount: Decimal
    created_at: datetime
    refund_id: str = ""
    code: str = ""


@dataclass(frozen=True)
class PaymentDetails:
    """What the payer typed: a card or a UPI id (kept in memory only, never in a repr)."""

    method: str  # "card" or "upi"
    card_number: str = field(default="", repr=False)
    upi_id: str = field(default="", repr=False)
    card_expiry_month: int = 0
    card_expiry_year: int = 0
    card_cvc: str = field(default="", repr=False)

    @property
    def payer_hint(self) -> str:
        """What may be stored: the card's last four digits, or a masked UPI id."""
        if self.method == "card":
            return f"•••• {self.card_number[-4:]}"
        name, _at, handle = self.upi_id.partition("@")
        return f"{name[:2]}{'•' * min(max(len(name) - 2, 1), 8)}@{handle}"[:64]


# The compatibility result of `charge` (what the billing services record) ------------------------


class Outcome(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class ChargeResult:
    outcome: Outcome
    transaction_id: str = ""
    message: str = ""
    code: str = ""

    @property
    def succeeded(self) -> bool:
        return self.outcome == Outcome.SUCCEEDED

    @classmethod
    def of(cls, result: GatewayResult) -> "ChargeResult":
        if isinstance(result, Approved):
            return cls(Outcome.SUCCEEDED, transaction_id=result.transaction_id)
        outcome = Outcome.DECLINED if isinstance(result, Declined) else Outcome.TIMED_OUT
        return cls(outcome, message=result.reason, code=result.code)


# The contract ------------------------------------------------------------------------------------


class PaymentProvider(ABC):
    """A payment gateway. Amounts are Decimal, in the major unit of `currency` (rupees for INR).

    Every call that moves money takes an idempotency key: the same key with the same request
    answers the first answer and never moves money twice; the same key with a different request
    raises IdempotencyKeyReused. An adapter catches its client library's errors and answers
    them as Declined or TryAgain; it raises only for a caller's bug.
    """

    name = "base"

    @abstractmethod
    def authorise(
        self,
        *,
        idempotency_key: str,
        amount: Decimal,
        details: PaymentDetails,
        currency: str = CURRENCY,
        reference: str = "",
    ) -> GatewayResult:
        """Reserve `amount` on the payer's card or UPI account; `reference` is ours, for the
        gateway's dashboard. Approved carries the payment's `transaction_id`."""

    @abstractmethod
    def capture(
        self, *, idempotency_key: str, transaction_id: str, amount: Decimal
    ) -> GatewayResult:
        """Take (up to) the authorised amount of an authorised payment."""

    @abstractmethod
    def refund(
        self, *, idempotency_key: str, transaction_id: str, amount: Decimal
    ) -> GatewayResult:
        """Give back (part of) a captured payment; Approved carries the `refund_id`."""

    @abstractmethod
    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Check a webhook delivery's signature and read its event; raise WebhookRejected."""

    def charge(self, *, amount: Decimal, details: PaymentDetails, reference: str) -> ChargeResult:
        """Authorise and capture in one go under the idempotency key `reference`.

        A retry with the same reference (and the same details) charges once and answers the
        same. An authorisation whose capture does not go through is left to lapse (gateways
        void uncaptured authorisations), so it answers as not charged.
        """
        result = self.authorise(
            idempotency_key=f"{reference}/authorise",
            amount=amount,
            details=details,
            reference=reference,
        )
        if isinstance(result, Approved):
            result = self.capture(
                idempotency_key=f"{reference}/capture",
                transaction_id=result.transaction_id,
                amount=amount,
            )
        return ChargeResult.of(result)


def refund_id_or_raise(result: GatewayResult) -> str:
    """The refund's reference from an approved refund; otherwise raise RefundFailed."""
    if isinstance(result, Approved):
        return result.refund_id
    raise RefundFailed(result)


def provider_get() -> PaymentProvider:
    """The gateway this installation charges through.

    CAREBOOK_PAYMENT_PROVIDER (a setting or environment variable) names the adapter class by
    dotted path; without it, the simulated gateway.
    """
    path = (
        getattr(settings, "CAREBOOK_PAYMENT_PROVIDER", "")
        or os.environ.get("CAREBOOK_PAYMENT_PROVIDER", "")
        or "carebook.billing.providers.SimulatedGateway"
    )
    provider = import_string(path)()
    if not isinstance(provider, PaymentProvider):
        raise ImproperlyConfigured(f"{path} is not a carebook PaymentProvider.")
    return provider


# The simulated gateway ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """How the simulator answers a test card number or UPI name (the reason is translated when
    answered, into the payer's language)."""

    result: str  # "declined" or "try_again"
    code: str
    reason: str

    def answer(self) -> Declined | TryAgain:
        kind = Declined if self.result == "declined" else TryAgain
        return kind(self.code, str(self.reason))


# Card numbers as Stripe's test cards; 4000 0000 0000 0119 answers "try again", which carebook
# treats as a time-out (the held slot is released).
TEST_CARDS: dict[str, Scenario] = {
    "4000000000000002": Scenario(
        "declined", DeclineCode.CARD_DECLINED, gettext_lazy("The card was declined.")
    ),
    "4000000000009995": Scenario(
        "declined", DeclineCode.INSUFFICIENT_FUNDS, gettext_lazy("The card has insufficient funds.")
    ),
    "4000000000000069": Scenario(
        "declined", DeclineCode.EXPIRED_CARD, gettext_lazy("The card has expired.")
    ),
    "4000000000000127": Scenario(
        "declined",
        DeclineCode.INCORRECT_CVC,
        gettext_lazy("The card's security code is incorrect."),
    ),
    "4000000000000119": Scenario(
        "try_again",
        RetryCode.PROCESSING_ERROR,
        gettext_lazy("The bank could not process the card in time. Nothing was charged."),
    ),
}
DECLINE_CARD = "4000000000000002"
TIMEOUT_CARD = "4000000000000119"

_UPI_DECLINED = gettext_lazy("The payment was declined in the UPI app.")
# UPI ids by their name (before the @), on any handle; failure@ is Razorpay's test id.
TEST_UPI_NAMES: dict[str, Scenario] = {
    "decline": Scenario("declined", DeclineCode.UPI_DECLINED, _UPI_DECLINED),
    "failure": Scenario("declined", DeclineCode.UPI_DECLINED, _UPI_DECLINED),
    "insufficient": Scenario(
        "declined",
        DeclineCode.INSUFFICIENT_FUNDS,
        gettext_lazy("The bank account has insufficient funds."),
    ),
    "timeout": Scenario(
        "try_again", RetryCode.TIMEOUT, gettext_lazy("The UPI app did not answer.")
    ),
}

# What the gateway says when a door let a malformed card or UPI id through.
_INVALID_DETAILS: dict[str, str] = {
    "card_number": DeclineCode.INCORRECT_NUMBER,
    "card_expiry": DeclineCode.INVALID_EXPIRY,
    "card_cvc": DeclineCode.INVALID_CVC,
    "upi_id": DeclineCode.INVALID_VPA,
}
_GATEWAY_REASONS = {
    DeclineCode.INCORRECT_NUMBER: gettext_lazy("The card number is incorrect."),
    DeclineCode.INVALID_EXPIRY: gettext_lazy("The card's expiry date is not valid."),
    DeclineCode.EXPIRED_CARD: gettext_lazy("The card has expired."),
    DeclineCode.INVALID_CVC: gettext_lazy("The card's security code is not valid."),
    DeclineCode.INVALID_VPA: gettext_lazy("The UPI id is not valid."),
}

_SIM_TXN = re.compile(r"sim_txn_[0-9a-f]{24}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_DIGITS = re.compile(r"[0-9]{1,12}")
SIGNATURE_HEADER = "Carebook-Signature"
WEBHOOK_TOLERANCE_SECONDS = 300


def _paise(amount: Decimal) -> Decimal | None:
    """The amount if it is a positive number of rupees with at most two decimal places."""
    try:
        amount = Decimal(amount)
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            return None
    except (InvalidOperation, TypeError, ValueError):
        return None
    return amount.quantize(Decimal("0.01"))


def _fingerprint(*parts: object) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode())
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class _SimPayment:
    authorised: Decimal
    captured: Decimal = Decimal("0.00")
    refunded: Decimal = Decimal("0.00")
    # Made by another simulator (another process): its amounts are unknown, so taken on trust.
    known: bool = True


@dataclass(frozen=True)
class Movement:
    """Money the simulated gateway moved: a capture or a refund."""

    kind: str
    transaction_id: str
    amount: Decimal


@dataclass
class SimulatorMemory:
    """What a simulated gateway remembers: answers by idempotency key, payments, money moved
    and the webhook events it would have sent. Share one between gateways to share a server."""

    answers: dict[str, tuple[str, GatewayResult]] = field(default_factory=dict)
    payments: dict[str, _SimPayment] = field(default_factory=dict)
    movements: list[Movement] = field(default_factory=list)
    events: list[WebhookEvent] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)


class SimulatedGateway(PaymentProvider):
    """A pretend gateway that checks what a real one checks and answers test cards as they do.

    It refuses a card number that fails the Luhn check, an expiry in the past (a card is valid
    through the end of its month), a security code of the wrong length (4 digits for American
    Express, 3 for others) and a malformed UPI id; the numbers in TEST_CARDS and the UPI names
    in TEST_UPI_NAMES decline or ask to try again; anything else is approved.

    Ids derive from the idempotency key and the request, so even two simulators (two processes)
    answer a repeated request alike. Each object remembers what it saw (pass `memory` to share):
    a payment id it never saw but that looks like its own is taken as made by another process.
    """

    name = "simulated"

    def __init__(self, *, memory: SimulatorMemory | None = None, webhook_secret: str | None = None):
        self.memory = memory if memory is not None else SimulatorMemory()
        self._webhook_secret = webhook_secret

    # The contract -------------------------------------------------------------------------------

    def authorise(
        self,
        *,
        idempotency_key: str,
        amount: Decimal,
        details: PaymentDetails,
        currency: str = CURRENCY,
        reference: str = "",
    ) -> GatewayResult:
        request = _fingerprint(
            "authorise",
            amount,
            currency,
            details.method,
            details.card_number,
            details.card_expiry_month,
            details.card_expiry_year,
            details.card_cvc,
            details.upi_id,
            reference,
        )
        return self._once(
            idempotency_key,
            request,
            lambda: self._authorise(amount, currency, details, idempotency_key, request),
        )

    def capture(
        self, *, idempotency_key: str, transaction_id: str, amount: Decimal
    ) -> GatewayResult:
        request = _fingerprint("capture", transaction_id, amount)
        return self._once(idempotency_key, request, lambda: self._capture(transaction_id, amount))

    def refund(
        self, *, idempotency_key: str, transaction_id: str, amount: Decimal
    ) -> GatewayResult:
        request = _fingerprint("refund", transaction_id, amount)
        return self._once(
            idempotency_key,
            request,
            lambda: self._refund(transaction_id, amount, idempotency_key, request),
        )

    def parse_webhook(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        signature = next(
            (v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), ""
        )
        parts = dict(p.split("=", 1) for p in signature.split(",") if "=" in p)
        timestamp, sent = parts.get("t", ""), parts.get("v1", "")
        if _DIGITS.fullmatch(timestamp) is None or not sent:
            raise WebhookRejected("The signature header is missing or malformed.")
        if not hmac.compare_digest(sent.encode(), self._sign(body, int(timestamp)).encode()):
            raise WebhookRejected("The signature does not match.")
        if abs(utcnow().timestamp() - int(timestamp)) > WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookRejected("The delivery is too old (or from the future).")
        try:
            data = json.loads(body)
            return WebhookEvent(
                id=str(data["id"]),
                type=WebhookEventType(data["type"]).value,
                transaction_id=str(data["transaction_id"]),
                amount=Decimal(str(data["amount"])),
                created_at=datetime.fromtimestamp(int(data["created"]), tz=UTC),
                refund_id=str(data.get("refund_id", "")),
                code=str(data.get("code", "")),
            )
        except (ValueError, KeyError, TypeError, InvalidOperation, OverflowError, OSError) as exc:
            raise WebhookRejected("The event is not readable.") from exc

    # For tests and demos: a signed delivery of an event this gateway would send -----------------

    def webhook_delivery(
        self, event: WebhookEvent, *, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers a delivery of `event` carries, signed with this gateway's secret."""
        body = json.dumps(
            {
                "id": event.id,
                "type": event.type,
                "transaction_id": event.transaction_id,
                "amount": str(event.amount),
                "created": int(event.created_at.timestamp()),
                "refund_id": event.refund_id,
                "code": event.code,
            },
            separators=(",", ":"),
        ).encode()
        timestamp = int(utcnow().timestamp()) if timestamp is None else timestamp
        return body, {SIGNATURE_HEADER: f"t={timestamp},v1={self._sign(body, timestamp)}"}

    # Inside -------------------------------------------------------------------------------------

    def _once(self, key: str, request: str, work: Callable[[], GatewayResult]) -> GatewayResult:
        if not key or len(key) > 255:
            raise ValueError("An idempotency key is 1 to 255 characters.")
        with self.memory.lock:
            seen = self.memory.answers.get(key)
            if seen is not None:
                if seen[0] != request:
                    raise IdempotencyKeyReused(
                        f"The idempotency key {key!r} was used for a different request."
                    )
                return seen[1]
            result = work()
            # Nothing happened on "try again", so the same key may do it later.
            if not isinstance(result, TryAgain):
                self.memory.answers[key] = (request, result)
            return result

    def _event(self, kind: WebhookEventType, transaction_id: str, amount: Decimal, **extra):
        number = len(self.memory.events) + 1
        self.memory.events.append(
            WebhookEvent(
                id=f"sim_evt_{_fingerprint(kind, transaction_id, amount, number)[:24]}",
                type=kind.value,
                transaction_id=transaction_id,
                amount=amount,
                created_at=utcnow().replace(microsecond=0),
                **extra,
            )
        )

    def _authorise(
        self, amount, currency: str, details: PaymentDetails, key: str, request: str
    ) -> GatewayResult:
        transaction_id = f"sim_txn_{_fingerprint('txn', key, request)[:24]}"
        result = self._decide(amount, currency, details)
        if isinstance(result, Declined):
            paise = _paise(amount) or Decimal("0.00")
            self._event(WebhookEventType.PAYMENT_FAILED, transaction_id, paise, code=result.code)
            return result
        if isinstance(result, TryAgain):
            return result
        self.memory.payments[transaction_id] = _SimPayment(authorised=result.amount)
        self._event(WebhookEventType.PAYMENT_AUTHORISED, transaction_id, result.amount)
        return Approved(transaction_id=transaction_id, amount=result.amount)

    def _decide(self, amount, currency: str, details: PaymentDetails) -> GatewayResult:
        """The issuer's answer, before any id is given (Approved here carries no id)."""
        paise = _paise(amount)
        if paise is None:
            return Declined(DeclineCode.INVALID_AMOUNT, _("The amount is not valid."))
        if _CURRENCY.fullmatch(currency) is None:
            return Declined(DeclineCode.UNSUPPORTED, _("The currency is not valid."))
        if details.method == "card":
            problems = cards.card_problems(
                number=details.card_number,
                expiry_month=details.card_expiry_month,
                expiry_year=details.card_expiry_year,
                cvc=details.card_cvc,
            )
            scenario = TEST_CARDS.get(details.card_number)
        elif details.method == "upi":
            problems = cards.upi_problems(details.upi_id)
            scenario = TEST_UPI_NAMES.get(details.upi_id.partition("@")[0].lower())
        else:
            return Declined(DeclineCode.UNSUPPORTED, _("Pay by card or UPI."))
        if problems:
            first = problems[0]
            code = _INVALID_DETAILS[first.field] if first.code == cards.REQUIRED else first.code
            return Declined(code, str(_GATEWAY_REASONS[code]))
        if scenario is not None:
            return scenario.answer()
        return Approved(transaction_id="", amount=paise)

    def _capture(self, transaction_id: str, amount) -> GatewayResult:
        paise = _paise(amount)
        if paise is None:
            return Declined(DeclineCode.INVALID_AMOUNT, _("The amount is not valid."))
        payment = self._payment(transaction_id, authorised=paise)
        if payment is None:
            return Declined(DeclineCode.NOT_FOUND, _("No such payment."))
        if payment.captured:
            return Declined(DeclineCode.ALREADY_CAPTURED, _("The payment is already captured."))
        if paise > payment.authorised:
            return Declined(
                DeclineCode.AMOUNT_TOO_LARGE, _("The amount is more than was authorised.")
            )
        payment.captured = paise
        self.memory.movements.append(Movement("capture", transaction_id, paise))
        self._event(WebhookEventType.PAYMENT_CAPTURED, transaction_id, paise)
        return Approved(transaction_id=transaction_id, amount=paise)

    def _refund(self, transaction_id: str, amount, key: str, request: str) -> GatewayResult:
        paise = _paise(amount)
        if paise is None:
            return Declined(DeclineCode.INVALID_AMOUNT, _("The amount is not valid."))
        payment = self._payment(transaction_id, authorised=paise)
        if payment is None:
            result = Declined(DeclineCode.NOT_FOUND, _("No such payment."))
        elif payment.known and paise > payment.captured - payment.refunded:
            result = Declined(
                DeclineCode.AMOUNT_TOO_LARGE, _("The amount is more than is left to refund.")
            )
        else:
            payment.refunded += paise
            refund_id = f"sim_rfnd_{_fingerprint('refund', key, request)[:24]}"
            self.memory.movements.append(Movement("refund", transaction_id, paise))
            self._event(
                WebhookEventType.REFUND_PROCESSED, transaction_id, paise, refund_id=refund_id
            )
            return Approved(transaction_id=transaction_id, amount=paise, refund_id=refund_id)
        self._event(WebhookEventType.REFUND_FAILED, transaction_id, paise, code=result.code)
        return result

    def _payment(self, transaction_id: str, *, authorised: Decimal) -> _SimPayment | None:
        """The payment this gateway knows; one made by another simulator is taken on trust."""
        payment = self.memory.payments.get(transaction_id)
        if payment is None and _SIM_TXN.fullmatch(transaction_id):
            payment = _SimPayment(authorised=authorised, known=False)
            self.memory.payments[transaction_id] = payment
        return payment

    def _secret(self) -> str:
        if self._webhook_secret:
            return self._webhook_secret
        configured = getattr(settings, "CAREBOOK_PAYMENT_WEBHOOK_SECRET", "") or os.environ.get(
            "CAREBOOK_PAYMENT_WEBHOOK_SECRET", ""
        )
        return configured or salted_hmac("carebook.billing.simulated-webhook", "secret").hexdigest()

    def _sign(self, body: bytes, timestamp: int) -> str:
        signed = f"{timestamp}.".encode() + body
        return hmac.new(self._secret().encode(), signed, hashlib.sha256).hexdigest()


def luhn_ok(number: str) -> bool:
    """Kept for older callers: see cards.luhn_valid."""
    return cards.luhn_valid(number)
