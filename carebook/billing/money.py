"""Money and tax arithmetic of an invoice: pure functions on Decimal, no database.

Rounding rule (what a GST tax invoice in India shows):

1. Every amount is a Decimal in rupees; nothing ever passes through a float.
2. Each line is rounded half-up to the paisa on its own: the consultation fee, the service charge,
   and each tax line. CGST and SGST are computed separately on the taxable amount, each at half of
   the clinic's GST rate (an intra-state supply: the clinic and its patients are in one state, so
   IGST never applies here), and each is rounded half-up to the paisa. So 18% of ₹100.05 is
   CGST ₹9.00 + SGST ₹9.00 (each 9.0045 → 9.00), not ₹18.01 split in two.
3. taxable amount = fee + service charge; gross = taxable + CGST + SGST.
4. The amount payable is the gross rounded half-up to the whole rupee (section 170 of the CGST
   Act); the difference is printed as a "Round off" line, between −₹0.49 and +₹0.50.
5. A refund is a credit note for a stated amount; it never changes the invoice's lines.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from carebook.core.timeutils import zone

PAISA = Decimal("0.01")
RUPEE = Decimal("1")
HUNDRED = Decimal("100")
INDIA = "Asia/Kolkata"


def to_paise(amount: Decimal) -> Decimal:
    """`amount` rounded half-up to the paisa."""
    return Decimal(amount).quantize(PAISA, rounding=ROUND_HALF_UP)


def to_rupees(amount: Decimal) -> Decimal:
    """`amount` rounded half-up to the whole rupee, kept with two decimal places."""
    return Decimal(amount).quantize(RUPEE, rounding=ROUND_HALF_UP).quantize(PAISA)


@dataclass(frozen=True)
class Totals:
    consultation_fee: Decimal
    service_charge: Decimal
    taxable_amount: Decimal
    gst_rate: Decimal
    cgst_rate: Decimal
    sgst_rate: Decimal
    cgst_amount: Decimal
    sgst_amount: Decimal
    round_off: Decimal
    total: Decimal

    @property
    def gst_amount(self) -> Decimal:
        return self.cgst_amount + self.sgst_amount


def invoice_totals(*, fee: Decimal, service_charge: Decimal, gst_rate: Decimal) -> Totals:
    """The lines and total of a tax invoice, rounded as the module docstring says."""
    if fee < 0 or service_charge < 0 or gst_rate < 0:
        raise ValueError("Fees, charges and rates cannot be negative.")
    fee = to_paise(fee)
    service_charge = to_paise(service_charge)
    taxable = fee + service_charge
    half_rate = Decimal(gst_rate) / 2
    cgst = to_paise(taxable * half_rate / HUNDRED)
    sgst = to_paise(taxable * half_rate / HUNDRED)
    gross = taxable + cgst + sgst
    total = to_rupees(gross)
    return Totals(
        consultation_fee=fee,
        service_charge=service_charge,
        taxable_amount=taxable,
        gst_rate=Decimal(gst_rate),
        cgst_rate=half_rate,
        sgst_rate=half_rate,
        cgst_amount=cgst,
        sgst_amount=sgst,
        round_off=total - gross,
        total=total,
    )


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


def format_inr(amount: Decimal, *, symbol: str = "₹") -> str:
    """`amount` in Indian digit grouping: 123456.5 → '₹1,23,456.50'."""
    amount = to_paise(amount)
    sign = "-" if amount < 0 else ""
    whole, _, paise = f"{abs(amount):.2f}".partition(".")
    if len(whole) > 3:
        head, tail = whole[:-3], whole[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        if head:
            groups.insert(0, head)
        whole = ",".join(groups) + "," + tail
    return f"{sign}{symbol}{whole}.{paise}"
