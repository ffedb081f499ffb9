"""The card and UPI entry rules (cards.py), and that both doors refuse bad details before any
gateway call: the payment form (400 with the field's error) and the REST pay endpoint (422)."""

import string
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from carebook.accounts.tokens import token_create
from carebook.billing import cards
from carebook.billing import services as billing_services
from carebook.billing.forms import PayForm
from carebook.billing.models import Payment
from carebook.billing.providers import SimulatedGateway
from carebook.billing.tests.factories import held
from carebook.booking.models import Appointment
from carebook.core.timeutils import zone

IST = zone("Asia/Kolkata")


def reference_check_digit(partial: str) -> str:
    """Luhn's check digit, written out here so the library is checked against the algorithm."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)


partials = st.text(alphabet=string.digits, min_size=11, max_size=18)


# Luhn --------------------------------------------------------------------------------------------


@given(partials)
def test_a_number_ending_in_its_check_digit_passes(partial):
    number = partial + reference_check_digit(partial)
    assert cards.luhn_valid(number)
    assert cards.luhn_check_digit(partial) == reference_check_digit(partial)


@given(partials, st.data())
def test_changing_any_single_digit_fails_the_check(partial, data):
    number = partial + reference_check_digit(partial)
    position = data.draw(st.integers(min_value=0, max_value=len(number) - 1))
    digit = data.draw(st.sampled_from([d for d in string.digits if d != number[position]]))
    assert not cards.luhn_valid(number[:position] + digit + number[position + 1 :])


@pytest.mark.parametrize(
    "number",
    [
        "",
        "41111111111",  # 11 digits: too short for a card
        "4" * 18 + "40",  # 20 digits
        "4111 1111 1111 1111",  # spaces are the door's to remove
        "٤١١١١١١١١١١١١١١١",  # Arabic-Indic digits are digits to Python, not to a card
        "3782822463100003",  # American Express is 15 digits; 16 with a valid checksum is not one
    ],
)
def test_numbers_no_card_has(number):
    assert not cards.card_number_valid(number)


def test_separators_are_removed_and_amex_is_15_digits():
    assert cards.card_digits(" 4111-1111 1111-1111 ") == "4111111111111111"
    assert cards.card_number_valid("378282246310005")


# Expiry ------------------------------------------------------------------------------------------


@given(
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=2000, max_value=2099),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
)
def test_a_card_is_valid_through_the_last_day_of_its_month(month, year, today):
    assert cards.card_expired(month, year, today=today) == (
        today > cards.expiry_last_day(month, year)
    )


@pytest.mark.parametrize(
    ("expiry", "today", "expired"),
    [
        ("12/25", date(2025, 12, 31), False),  # the last day of the year and of the card
        ("12/25", date(2026, 1, 1), True),
        ("01/26", date(2025, 12, 31), False),
        ("02/28", date(2028, 2, 29), False),  # a leap day is in its month
        ("02/28", date(2028, 3, 1), True),
        ("11/25", date(2025, 12, 1), True),
        ("01/20", date(2026, 11, 30), True),
    ],
)
def test_expiry_at_the_end_of_the_month_and_across_the_year(expiry, today, expired):
    month, year = cards.expiry_parse(expiry)
    assert cards.card_expired(month, year, today=today) is expired
    _entry, problems = cards.card_entry_check(
        number="4111111111111111", expiry=expiry, cvc="123", today=today
    )
    assert [p.code for p in problems] == (["expired_card"] if expired else [])


def test_the_new_year_starts_at_midnight_in_india():
    last_second = datetime(2025, 12, 31, 23, 59, 59, tzinfo=IST)
    data = {
        "method": "card",
        "card_number": "4111111111111111",
        "card_expiry": "12/25",
        "card_cvc": "123",
    }
    with time_machine.travel(last_second, tick=False):
        assert PayForm(data).is_valid()
    # One second later it is 1 January in India (18:30 on 31 December in UTC): expired.
    with time_machine.travel(last_second + timedelta(seconds=1), tick=False):
        form = PayForm(data)
        assert not form.is_valid()
        assert form.errors.as_data()["card_expiry"][0].code == "expired_card"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("12/29", (12, 2029)),
        ("1/29", (1, 2029)),
        ("01/2029", (1, 2029)),
        (" 06 / 30 ", (6, 2030)),
        ("13/29", None),
        ("00/29", None),
        ("12-29", None),
        ("1229", None),
        ("١٢/٢٩", None),
    ],
)
def test_expiry_is_read_as_mm_yy(text, parsed):
    assert cards.expiry_parse(text) == parsed


def test_an_expiry_decades_ahead_is_a_typing_mistake():
    _entry, problems = cards.card_entry_check(
        number="4111111111111111", expiry="12/2090", cvc="123", today=date(2026, 11, 30)
    )
    assert [p.code for p in problems] == ["invalid_expiry"]


# Security code and UPI id ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "cvc", "ok"),
    [
        ("4111111111111111", "123", True),
        ("4111111111111111", "1234", False),
        ("4111111111111111", "12", False),
        ("4111111111111111", "12a", False),
        ("378282246310005", "1234", True),
        ("378282246310005", "123", False),
    ],
)
def test_the_security_code_is_3_digits_or_4_for_amex(number, cvc, ok):
    assert cards.cvc_valid(cvc, number) is ok


@pytest.mark.parametrize(
    "upi_id",
    ["asha@okbank", "asha.rao-1_x@okhdfcbank", "9876543210@ybl", "ab@upi", "priya@paytm"],
)
def test_upi_ids_of_the_npci_shape(upi_id):
    assert cards.upi_id_valid(upi_id)
    assert cards.upi_problems(upi_id) == []


@pytest.mark.parametrize(
    "upi_id",
    [
        "asha",
        "asha@",
        "@okbank",
        "a@okbank",  # the name is at least 2 characters
        "asha rao@okbank",
        "asha@ok bank",
        "asha@@okbank",
        "asha@123",  # a handle starts with a letter
        "asha@o",
        "asha+1@okbank",
        "आशा@okbank",
        "a" * 251 + "@okbank",  # 255 characters in all at most
    ],
)
def test_malformed_upi_ids(upi_id):
    assert not cards.upi_id_valid(upi_id)
    assert [p.code for p in cards.upi_problems(upi_id)] == ["invalid_vpa"]


# Both doors refuse bad details before any gateway call ------------------------------------------


class UntouchableGateway(SimulatedGateway):
    def authorise(self, **kwargs):
        raise AssertionError("the gateway was called")


def future_expiry() -> str:
    return f"12/{(cards.card_today().year + 3) % 100:02d}"


BAD_DETAILS = [
    ({"card_number": "4111 1111 1111 1112"}, "card_number", "incorrect_number"),
    ({"card_number": ""}, "card_number", "required"),
    ({"card_expiry": "01/20"}, "card_expiry", "expired_card"),
    ({"card_expiry": "13/30"}, "card_expiry", "invalid_expiry"),
    ({"card_expiry": ""}, "card_expiry", "required"),
    ({"card_cvc": "12"}, "card_cvc", "invalid_cvc"),
    ({"card_number": "3782 822463 10005", "card_cvc": "123"}, "card_cvc", "invalid_cvc"),
    ({"method": "upi", "upi_id": "asha@"}, "upi_id", "invalid_vpa"),
    ({"method": "upi", "upi_id": "asha rao@okbank"}, "upi_id", "invalid_vpa"),
]


def good_card() -> dict:
    return {
        "method": "card",
        "card_number": "4111 1111 1111 1111",
        "card_expiry": future_expiry(),
        "card_cvc": "123",
    }


@pytest.fixture
def no_gateway(monkeypatch):
    monkeypatch.setattr(billing_services, "provider_get", UntouchableGateway)


def assert_nothing_happened(appointment: Appointment) -> None:
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.HELD
    assert not Payment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field", "code"), BAD_DETAILS)
def test_the_payment_form_refuses_bad_details(client, clinic, no_gateway, change, field, code):
    appointment = held()
    client.force_login(appointment.patient)
    response = client.post(reverse("billing:pay", args=[appointment.pk]), good_card() | change)
    assert response.status_code == 400
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()[field]] == [code]
    assert form.errors[field][0] in response.content.decode().replace("&#x27;", "'")
    assert_nothing_happened(appointment)


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field", "code"), BAD_DETAILS)
def test_the_rest_pay_endpoint_refuses_bad_details(clinic, no_gateway, change, field, code):
    appointment = held()
    _token, raw = token_create(user=appointment.patient)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
        f"/api/v1/appointments/{appointment.pk}/pay",
        good_card() | change,
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    (error,) = [e for e in body["errors"] if e["loc"][-1] == field]
    assert error["type"] == code and error["msg"]
    assert error["loc"] == ["body", "payload", field]
    assert_nothing_happened(appointment)


@pytest.mark.django_db
def test_the_card_that_expired_in_january_2020_is_refused_with_a_clear_reason(
    client, clinic, no_gateway
):
    appointment = held()
    client.force_login(appointment.patient)
    response = client.post(
        reverse("billing:pay", args=[appointment.pk]), good_card() | {"card_expiry": "01/20"}
    )
    assert response.status_code == 400
    assert "This card expired at the end of 01/20." in response.content.decode()
    assert_nothing_happened(appointment)


def test_the_form_passes_on_what_the_gateway_needs():
    form = PayForm(good_card() | {"card_expiry": "7/2031"})
    with time_machine.travel(datetime(2026, 11, 30, 12, tzinfo=IST), tick=False):
        assert form.is_valid(), form.errors
    details = form.details()
    assert (details.card_number, details.card_cvc) == ("4111111111111111", "123")
    assert (details.card_expiry_month, details.card_expiry_year) == (7, 2031)
    upi = PayForm({"method": "upi", "upi_id": "  asha@okbank "})
    assert upi.is_valid() and upi.details().upi_id == "asha@okbank"
