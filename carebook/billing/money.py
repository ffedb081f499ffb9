"""Billing's calendar: the financial year an invoice is numbered in.

The arithmetic of an invoice (lines, tax heads, rounding) is in `tax.py`; amounts in a
currency (minor units, written form) in `carebook.core.money`.
"""

from datetime import date, datetime

from carebook.core.timeutils import zone

INDIA = "Asia/Kolkata"


def financial_year(moment: datetime | date) -> str:
    """The Indian financial year (April–March) of a moment in Asia/Kolkata, e.g. '2026-27'."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("financial_year needs an aware datetime.")
        day = moment.astimezone(zone(INDIA)).date()
    else:
        day = moment
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"
