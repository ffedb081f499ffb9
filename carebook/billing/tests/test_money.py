from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from carebook.billing.money import financial_year, format_inr, invoice_totals, to_paise

D = Decimal


def totals(fee, charge="50.00", rate="18.00"):
    return invoice_totals(fee=D(fee), service_charge=D(charge), gst_rate=D(rate))


def test_default_invoice_splits_gst_into_cgst_and_sgst():
    t = totals("500.00")
    assert t.taxable_amount == D("550.00")
    assert (t.cgst_rate, t.sgst_rate) == (D("9.00"), D("9.00"))
    assert (t.cgst_amount, t.sgst_amount) == (D("49.50"), D("49.50"))
    assert t.round_off == D("0.00")
    assert t.total == D("649.00")


def test_each_tax_line_is_rounded_half_up_to_the_paisa_on_its_own():
    # 9% of 100.05 is 9.00450: each half rounds to 9.00, so GST is 18.00, not 18.01.
    t = totals("50.05")
    assert t.taxable_amount == D("100.05")
    assert t.cgst_amount == t.sgst_amount == D("9.00")
    assert t.gst_amount == D("18.00")


def test_a_half_paisa_rounds_up():
    # 9% of 0.50 = 0.045 → 0.05 (half-up), where banker's rounding would give 0.04.
    t = totals("0.50", charge="0")
    assert t.cgst_amount == D("0.05")


def test_odd_paise_fee_is_rounded_before_tax_and_total_to_the_rupee():
    t = totals("333.335", charge="0")
    assert t.consultation_fee == D("333.34")
    assert t.cgst_amount == D("30.00")  # 9% of 333.34 = 30.0006
    gross = D("333.34") + D("30.00") + D("30.00")
    assert t.total == D("393.00")
    assert t.round_off == t.total - gross == D("-0.34")


def test_round_off_of_exactly_fifty_paise_goes_up():
    t = totals("0.50", charge="0", rate="0")
    assert t.total == D("1.00") and t.round_off == D("0.50")


def test_zero_fee_still_bills_the_service_charge_and_its_tax():
    t = totals("0.00")
    assert t.taxable_amount == D("50.00")
    assert t.gst_amount == D("9.00")
    assert t.total == D("59.00")


def test_zero_fee_and_no_service_charge_bill_nothing():
    t = totals("0", charge="0")
    assert t.total == D("0.00") and t.round_off == D("0.00")


def test_amounts_stay_decimal_with_two_places():
    t = totals("1234.5")
    for value in (t.consultation_fee, t.taxable_amount, t.cgst_amount, t.total, t.round_off):
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == -2


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        totals("-1")


def test_to_paise_is_half_up():
    assert to_paise(D("2.675")) == D("2.68")
    assert to_paise(D("2.665")) == D("2.67")


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (date(2026, 3, 31), "2025-26"),
        (date(2026, 4, 1), "2026-27"),
        (date(2027, 1, 15), "2026-27"),
        (date(1999, 12, 31), "1999-00"),
        # 31 March 19:00 UTC is already 1 April 00:30 in India.
        (datetime(2026, 3, 31, 19, 0, tzinfo=UTC), "2026-27"),
        (datetime(2026, 3, 31, 18, 29, tzinfo=UTC), "2025-26"),
    ],
)
def test_financial_year_runs_april_to_march_in_india(moment, year):
    assert financial_year(moment) == year


def test_financial_year_refuses_a_naive_datetime():
    with pytest.raises(ValueError):
        financial_year(datetime(2026, 4, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "₹0.00"),
        ("999.5", "₹999.50"),
        ("1180", "₹1,180.00"),
        ("123456.5", "₹1,23,456.50"),
        ("12345678.9", "₹1,23,45,678.90"),
        ("-0.34", "-₹0.34"),
    ],
)
def test_inr_uses_indian_digit_grouping(amount, text):
    assert format_inr(D(amount)) == text
