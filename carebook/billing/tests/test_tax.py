"""Invoice arithmetic for every regime and category: lines, heads, rounding, round-off."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carebook.billing.money import financial_year
from carebook.billing.tax import PERFORMED, RECIPIENT, Charge, bill
from carebook.clinic.models import TaxCategory, TaxRegime
from carebook.core.money import format_money, minor_unit, to_minor

D = Decimal
T = TaxCategory


def seeds(fee, charge="50.00", rate="18.00", **kw):
    """The seeds' configuration: the fee and the service charge both taxed at one rate."""
    return bill(
        [
            Charge("service", "Consultation", D(fee), T.TAXABLE, D(rate), "999312"),
            Charge("service_charge", "Booking", D(charge), T.TAXABLE, D(rate), "998599", RECIPIENT),
        ],
        currency="INR",
        regime=TaxRegime.INDIA_GST,
        supplier_state="29",
        **kw,
    )


def test_the_seeds_configuration_splits_gst_into_cgst_and_sgst():
    b = seeds("500.00")
    assert b.taxable_value == D("550.00")
    assert b.heads == {"CGST": D("49.50"), "SGST": D("49.50"), "IGST": D("0")}
    assert b.round_off == D("0.00") and b.total == D("649.00")


def test_each_tax_line_is_rounded_half_up_on_its_own():
    # 9% of 50.05 is 4.5045 -> 4.50 per head and line; a half paisa rounds up.
    b = seeds("50.05")
    assert b.heads["CGST"] == b.heads["SGST"] == D("9.00")
    assert seeds("0.50", charge="0").heads["CGST"] == D("0.05")


def test_the_total_is_rounded_to_the_rupee_with_a_round_off_line():
    b = seeds("333.335", charge="0")
    assert b.lines[0].value == D("333.34")
    assert b.total == D("393.00") and b.round_off == D("-0.34")
    assert seeds("0.50", charge="0", rate="0").round_off == D("0.50")


def test_an_indian_consultation_is_exempt_and_the_service_charge_taxed():
    b = bill(
        [
            Charge("service", "Consultation", D("1500"), T.EXEMPT, D("0"), "999312"),
            Charge("service_charge", "Booking", D("50"), T.TAXABLE, D("18"), "998599", RECIPIENT),
        ],
        currency="INR",
        regime=TaxRegime.INDIA_GST,
        supplier_state="27",
    )
    consultation, charge = b.lines
    assert consultation.heads == {} and consultation.value == D("1500.00")
    assert charge.heads == {"CGST": D("4.50"), "SGST": D("4.50")}
    assert (b.untaxed_value, b.taxable_value, b.total) == (D("1500.00"), D("50.00"), D("1559.00"))


def test_a_patient_from_another_state_pays_igst_on_the_charge_only():
    # A patient in Kolkata (19) at a clinic in Bengaluru (29): the visit is supplied where it is
    # performed (intra-state), the booking charge where the patient is (inter-state: IGST).
    b = seeds("500", recipient_state="19")
    visit, charge = b.lines
    assert visit.heads == {"CGST": D("45.00"), "SGST": D("45.00")} and visit.place_of_supply == "29"
    assert charge.heads == {"IGST": D("9.00")} and charge.place_of_supply == "19"
    assert b.heads == {"CGST": D("45.00"), "SGST": D("45.00"), "IGST": D("9.00")}


def test_a_london_visit_is_in_pounds_with_vat_only_on_a_taxable_line():
    b = bill(
        [
            Charge("service", "GP visit", D("65"), T.EXEMPT, D("0"), "E"),
            Charge("service_charge", "Booking", D("2.50"), T.TAXABLE, D("20"), "S", RECIPIENT),
        ],
        currency="GBP",
        regime=TaxRegime.UK_VAT,
        recipient_state="19",  # never matters outside India
    )
    assert b.heads == {"VAT": D("0.50")}
    assert b.total == D("68.00") and b.round_off == D("0")
    assert format_money(b.total, "GBP") == "£68.00"


def test_no_tax_regime_charges_no_tax_whatever_the_category():
    b = bill(
        [Charge("service", "Visit", D("10"), T.TAXABLE, D("18"))],
        currency="USD",
        regime=TaxRegime.NONE,
    )
    assert b.heads == {} and b.total == D("10.00")


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        seeds("-1")


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("182900", "INR", "₹1,82,900.00"),
        ("-0.34", "INR", "-₹0.34"),
        ("1829", "GBP", "£1,829.00"),
        ("1500", "JPY", "¥1,500"),
    ],
)
def test_amounts_are_written_in_their_currencys_own_way(amount, currency, text):
    assert format_money(D(amount), currency) == text


amounts = st.decimals(min_value=0, max_value=100000, places=3, allow_nan=False)
rates = st.sampled_from([D("0"), D("5"), D("12"), D("18"), D("20"), D("28"), D("17.5")])
charges = st.builds(
    Charge,
    kind=st.sampled_from(["service", "service_charge"]),
    description=st.just("line"),
    amount=amounts,
    category=st.sampled_from(list(TaxCategory)),
    rate=rates,
    code=st.just(""),
    supplied=st.sampled_from([PERFORMED, RECIPIENT]),
)


@given(
    lines=st.lists(charges, min_size=1, max_size=4),
    regime=st.sampled_from(list(TaxRegime)),
    currency=st.sampled_from(["INR", "GBP", "JPY", "KWD"]),
    supplier=st.sampled_from(["", "27", "29"]),
    recipient=st.sampled_from(["", "19", "27", "29"]),
)
def test_heads_add_up_and_every_amount_is_in_the_minor_unit(
    lines, regime, currency, supplier, recipient
):
    b = bill(
        lines, currency=currency, regime=regime, supplier_state=supplier, recipient_state=recipient
    )
    unit = minor_unit(currency)
    for line in b.lines:
        assert line.value == to_minor(line.charge.amount, currency)
        for amount in line.heads.values():
            assert amount == amount.quantize(unit) and amount >= 0
        if line.charge.category != T.TAXABLE or regime == TaxRegime.NONE:
            assert line.heads == {}
        elif regime == TaxRegime.INDIA_GST:
            inter = (
                line.charge.supplied == RECIPIENT
                and recipient
                and supplier
                and recipient != supplier
            )
            assert set(line.heads) == ({"IGST"} if inter else {"CGST", "SGST"})
            if not inter:
                assert line.heads["CGST"] == line.heads["SGST"]
    for head, total in b.heads.items():
        assert total == sum((line.heads.get(head, D(0)) for line in b.lines), D(0))
    gross = sum((line.value for line in b.lines), D(0)) + b.tax
    assert b.total == gross + b.round_off and b.total == b.total.quantize(unit)
    if regime == TaxRegime.INDIA_GST and currency == "INR":
        assert D("-0.50") < b.round_off <= D("0.50") and b.total == b.total.to_integral_value()
    else:
        assert b.round_off == 0


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (date(2026, 3, 31), "2025-26"),
        (date(2026, 4, 1), "2026-27"),
        (date(1999, 12, 31), "1999-00"),
        # 31 March 19:00 UTC is already 1 April 00:30 in India.
        (datetime(2026, 3, 31, 19, 0, tzinfo=UTC), "2026-27"),
        (datetime(2026, 3, 31, 18, 29, tzinfo=UTC), "2025-26"),
    ],
)
def test_financial_year_runs_april_to_march_in_india(moment, year):
    assert financial_year(moment) == year
