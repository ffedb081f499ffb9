"""Amounts in a currency: its minor unit and its written form, by Babel (never by hand)."""

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, get_currency_precision

# The locale each currency's amounts are written in (digit grouping, symbol place).
LOCALES = {"INR": "en_IN", "GBP": "en_GB", "USD": "en_US", "EUR": "en_IE", "AED": "en_AE"}


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of the currency: 0.01 for INR and GBP, 1 for JPY, 0.001 for KWD."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def to_minor(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to the currency's minor unit."""
    return Decimal(amount).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    """₹1,82,900.00 in India, £1,829.00 in the UK: the currency's own locale."""
    return format_currency(amount, currency, locale=LOCALES.get(currency, "en"))
