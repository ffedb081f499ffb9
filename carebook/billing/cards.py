"""What a card number, expiry, security code and UPI id must look like, decided in one place.

The payment form, the REST pay endpoint and the simulated gateway all ask these functions, so a
bad card is refused with the same words at every door, before any gateway is called. Only ASCII
digits count as digits (Python's `\\d` would also take, say, Devanagari ones).
"""

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from stdnum import luhn

from carebook.core.timeutils import now as utcnow
from carebook.core.timeutils import zone

# Field error codes; the gateway's decline codes use the same words for the same faults.
REQUIRED = "required"
INCORRECT_NUMBER = "incorrect_number"
INVALID_EXPIRY = "invalid_expiry"
EXPIRED_CARD = "expired_card"
INVALID_CVC = "invalid_cvc"
INVALID_VPA = "invalid_vpa"

# Expiry is judged on the calendar of the country the clinic, its gateway and the issuers are in.
CARD_ZONE = "Asia/Kolkata"
MAX_YEARS_AHEAD = 20

_DIGITS = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[ \-]")
_EXPIRY = re.compile(r"(0?[1-9]|1[0-2]) ?/ ?([0-9]{2}|[0-9]{4})")
# NPCI's payment address: a name of letters, digits, dot, hyphen or underscore, "@", and the
# PSP's handle (e.g. okhdfcbank, ybl, paytm); 255 characters in all at most.
_UPI_ID = re.compile(r"[A-Za-z0-9._\-]{2,256}@[A-Za-z][A-Za-z0-9]{1,63}")
UPI_ID_MAX_LENGTH = 255


@dataclass(frozen=True)
class Problem:
    """One thing wrong with what the payer typed: the field, a machine code, a sentence."""

    field: str
    code: str
    message: str


@dataclass(frozen=True)
class CardEntry:
    """A card as typed, cleaned: digits only, the expiry as numbers (four-digit year)."""

    number: str
    expiry_month: int
    expiry_year: int
    cvc: str


def card_today() -> date:
    """Today, as a card's expiry is counted."""
    return utcnow().astimezone(zone(CARD_ZONE)).date()


def card_digits(text: str) -> str:
    """The number without the spaces or hyphens people type between groups."""
    return _SEPARATORS.sub("", text.strip())


def is_digits(text: str) -> bool:
    return _DIGITS.fullmatch(text) is not None


def is_amex(number: str) -> bool:
    return number[:2] in ("34", "37")


def luhn_valid(number: str) -> bool:
    """12 to 19 ASCII digits whose Luhn (mod 10) checksum holds."""
    return is_digits(number) and 12 <= len(number) <= 19 and luhn.is_valid(number)


def luhn_check_digit(partial: str) -> str:
    """The digit that, appended to `partial`, makes a Luhn-valid number."""
    return luhn.calc_check_digit(partial)


def card_number_valid(number: str) -> bool:
    """A number a card can have: Luhn-valid, and 15 digits for American Express."""
    return luhn_valid(number) and (len(number) == 15 or not is_amex(number))


def cvc_length(number: str) -> int:
    """American Express prints 4 digits on the front; the others 3 on the back."""
    return 4 if is_amex(number) else 3


def cvc_valid(cvc: str, number: str) -> bool:
    return is_digits(cvc) and len(cvc) == cvc_length(number)


def expiry_parse(text: str) -> tuple[int, int] | None:
    """(month, four-digit year) from "MM/YY" or "MM/YYYY", or None."""
    match = _EXPIRY.fullmatch(text.strip())
    if match is None:
        return None
    month, year = int(match[1]), int(match[2])
    return month, year + 2000 if year < 100 else year


def expiry_last_day(month: int, year: int) -> date:
    """The last day a card expiring in month/year may be used."""
    return date(year, month, monthrange(year, month)[1])


def card_expired(month: int, year: int, *, today: date) -> bool:
    """Whether the card has expired: it is valid through the last day of its expiry month."""
    return (year, month) < (today.year, today.month)


def _expiry_problem(month: int, year: int, today: date) -> Problem | None:
    if not (1 <= month <= 12 and 2000 <= year <= today.year + MAX_YEARS_AHEAD):
        return Problem("card_expiry", INVALID_EXPIRY, _("Please check the expiry date."))
    if card_expired(month, year, today=today):
        return Problem(
            "card_expiry",
            EXPIRED_CARD,
            _("This card expired at the end of %(expiry)s. Please use another card.")
            % {"expiry": f"{month:02d}/{year % 100:02d}"},
        )
    return None


def _cvc_problem(cvc: str, number: str) -> Problem | None:
    if cvc_valid(cvc, number):
        return None
    if is_amex(number):
        message = _("Please enter the 4-digit security code from the front of the card.")
    else:
        message = _("Please enter the 3-digit security code from the back of the card.")
    return Problem("card_cvc", REQUIRED if not cvc else INVALID_CVC, message)


def _number_problem(number: str) -> Problem | None:
    if not number:
        return Problem("card_number", REQUIRED, _("Please enter the card number."))
    if not card_number_valid(number):
        return Problem(
            "card_number", INCORRECT_NUMBER, _("This card number is not valid. Please check it.")
        )
    return None


def card_problems(
    *, number: str, expiry_month: int, expiry_year: int, cvc: str, today: date | None = None
) -> list[Problem]:
    """What is wrong with a card (number, expiry, security code); empty when nothing is."""
    today = today or card_today()
    found = [
        _number_problem(number),
        _expiry_problem(expiry_month, expiry_year, today),
        _cvc_problem(cvc, number),
    ]
    return [p for p in found if p is not None]


def card_entry_check(
    *, number: str, expiry: str, cvc: str, today: date | None = None
) -> tuple[CardEntry | None, list[Problem]]:
    """Clean and check a card as typed; (the card, []) or (None, what is wrong with it)."""
    number, cvc = card_digits(number), cvc.strip()
    parsed = expiry_parse(expiry)
    if parsed is None:
        unreadable = Problem(
            "card_expiry",
            REQUIRED if not expiry.strip() else INVALID_EXPIRY,
            _("Please enter the expiry as MM/YY."),
        )
        found = [_number_problem(number), unreadable, _cvc_problem(cvc, number)]
        return None, [p for p in found if p is not None]
    month, year = parsed
    problems = card_problems(
        number=number, expiry_month=month, expiry_year=year, cvc=cvc, today=today
    )
    if problems:
        return None, problems
    return CardEntry(number=number, expiry_month=month, expiry_year=year, cvc=cvc), []


def upi_id_valid(upi_id: str) -> bool:
    """A payment address NPCI accepts the shape of: name@handle (it may still not exist)."""
    return len(upi_id) <= UPI_ID_MAX_LENGTH and _UPI_ID.fullmatch(upi_id) is not None


def upi_problems(upi_id: str) -> list[Problem]:
    """What is wrong with a UPI id; empty when nothing is."""
    if not upi_id:
        return [Problem("upi_id", REQUIRED, _("Please enter your UPI id, like name@okbank."))]
    if not upi_id_valid(upi_id):
        return [
            Problem(
                "upi_id",
                INVALID_VPA,
                _(
                    "Please enter a UPI id like name@okbank: letters, digits, dots, hyphens or "
                    "underscores, then @ and your app's handle."
                ),
            )
        ]
    return []
