"""Tax on an invoice's lines, by the location's regime: pure arithmetic on Decimal.

Each line carries its own tax category, rate and code (SAC in India, a VAT code in the UK).
Each tax amount is computed per line and head and rounded half-up to the currency's minor unit
on its own; the heads' totals are the sums of the lines'. India rounds the amount payable to
the whole rupee (CGST Act s.170) and shows the difference as a round-off line; the UK and "no
tax" regimes do not round the total. docs/billing.md gives the sources.

India: a line's place of supply decides the heads. Health services are supplied where they are
performed (IGST Act s.12(4)), so always within the location's state: CGST + SGST, half the rate
each. The booking service charge is supplied where the patient is, when their state is on record
(s.12(2)(b)); a patient from another state then pays IGST at the full rate.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from carebook.clinic.models import TaxCategory, TaxRegime
from carebook.core.money import to_minor

HUNDRED = Decimal("100")
ZERO = Decimal("0")
PERFORMED, RECIPIENT = "performed", "recipient"
HEADS = {
    TaxRegime.INDIA_GST: ("CGST", "SGST", "IGST"),
    TaxRegime.UK_VAT: ("VAT",),
    TaxRegime.NONE: (),
}


@dataclass(frozen=True)
class Charge:
    """A line before tax."""

    kind: str  # "service" or "service_charge"
    description: str
    amount: Decimal
    category: str = TaxCategory.EXEMPT
    rate: Decimal = ZERO  # percent, for a taxable line
    code: str = ""  # SAC / HSN, or a VAT code
    supplied: str = PERFORMED  # where the line is supplied: PERFORMED or RECIPIENT


@dataclass(frozen=True)
class Line:
    charge: Charge
    value: Decimal  # the line's amount in the currency's minor unit
    place_of_supply: str  # India: a state code; elsewhere blank
    heads: dict[str, Decimal] = field(default_factory=dict)

    @property
    def taxable(self) -> bool:
        return self.charge.category == TaxCategory.TAXABLE

    @property
    def tax(self) -> Decimal:
        return sum(self.heads.values(), ZERO)

    @property
    def category_label(self) -> str:
        return str(TaxCategory(self.charge.category).label)

    @property
    def tax_rows(self) -> list[tuple[str, Decimal, Decimal]]:
        """(head, its rate, amount): CGST and SGST at half the line's rate each."""
        rate = Decimal(self.charge.rate)
        return [
            (head, rate / 2 if head in ("CGST", "SGST") else rate, amount)
            for head, amount in self.heads.items()
        ]


@dataclass(frozen=True)
class Bill:
    currency: str
    regime: str
    lines: list[Line]
    heads: dict[str, Decimal]  # every head of the regime, summed over the lines
    round_off: Decimal
    total: Decimal

    @property
    def taxable_value(self) -> Decimal:
        return sum((line.value for line in self.lines if line.taxable), ZERO)

    @property
    def untaxed_value(self) -> Decimal:
        """Exempt, nil-rated and out-of-scope lines."""
        return sum((line.value for line in self.lines if not line.taxable), ZERO)

    @property
    def tax(self) -> Decimal:
        return sum(self.heads.values(), ZERO)


def _heads(charge: Charge, value: Decimal, regime: str, currency: str, intra_state: bool):
    if charge.category != TaxCategory.TAXABLE or regime == TaxRegime.NONE:
        return {}
    rate = Decimal(charge.rate)
    if regime == TaxRegime.UK_VAT:
        return {"VAT": to_minor(value * rate / HUNDRED, currency)}
    if intra_state:
        half = to_minor(value * rate / 2 / HUNDRED, currency)
        return {"CGST": half, "SGST": half}
    return {"IGST": to_minor(value * rate / HUNDRED, currency)}


def bill(
    charges: list[Charge],
    *,
    currency: str,
    regime: str,
    supplier_state: str = "",
    recipient_state: str = "",
) -> Bill:
    """The lines, tax heads and total of an invoice at a location of `regime`."""
    lines = []
    for charge in charges:
        if charge.amount < 0 or charge.rate < 0:
            raise ValueError("Amounts and rates cannot be negative.")
        value = to_minor(charge.amount, currency)
        place = ""
        if regime == TaxRegime.INDIA_GST:
            place = supplier_state
            if charge.supplied == RECIPIENT and recipient_state and supplier_state:
                place = recipient_state
        heads = _heads(charge, value, regime, currency, place == supplier_state)
        lines.append(Line(charge, value, place, heads))
    heads = {
        head: sum((line.heads.get(head, ZERO) for line in lines), ZERO) for head in HEADS[regime]
    }
    gross = sum((line.value for line in lines), ZERO) + sum(heads.values(), ZERO)
    total = gross
    if regime == TaxRegime.INDIA_GST and currency == "INR":
        total = gross.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    total = to_minor(total, currency)
    return Bill(currency, regime, lines, heads, total - gross, total)
