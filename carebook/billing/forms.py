from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from carebook.billing import cards
from carebook.billing.models import BillingSettings, Invoice, Payment
from carebook.billing.providers import PaymentDetails


class PayForm(forms.Form):
    """Card or UPI details for the gateway; they are passed on, never stored.

    The rules are `cards`' (the REST pay endpoint and the simulated gateway use the same): a
    Luhn-valid number, an expiry not past (a card is valid through the end of its month), 3
    digits of security code (4 for American Express), a UPI id shaped name@handle.
    """

    method = forms.ChoiceField(
        label=_("Pay with"),
        choices=[(Payment.Method.CARD, _("Card")), (Payment.Method.UPI, _("UPI"))],
        widget=forms.RadioSelect,
        initial=Payment.Method.CARD,
    )
    card_number = forms.CharField(
        label=_("Card number"),
        required=False,
        max_length=23,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    card_expiry = forms.CharField(
        label=_("Expiry (MM/YY)"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "placeholder": "MM/YY"}),
    )
    card_cvc = forms.CharField(
        label=_("Security code"),
        required=False,
        max_length=4,
        widget=forms.PasswordInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )
    upi_id = forms.CharField(
        label=_("UPI id"),
        required=False,
        max_length=cards.UPI_ID_MAX_LENGTH,
        help_text=_("For example name@okbank"),
    )
    _card: cards.CardEntry | None = None

    def clean(self):
        data = super().clean()
        if data.get("method") == Payment.Method.CARD:
            entry, problems = cards.card_entry_check(
                number=data.get("card_number", ""),
                expiry=data.get("card_expiry", ""),
                cvc=data.get("card_cvc", ""),
            )
            self._card = entry
        elif data.get("method") == Payment.Method.UPI:
            data["upi_id"] = data.get("upi_id", "").strip()
            problems = cards.upi_problems(data["upi_id"])
        else:
            problems = []
        for problem in problems:
            if problem.field not in self.errors:
                self.add_error(
                    problem.field, forms.ValidationError(problem.message, code=problem.code)
                )
        return data

    def details(self) -> PaymentDetails:
        data = self.cleaned_data
        if data["method"] == Payment.Method.CARD:
            card = self._card
            return PaymentDetails(
                method=data["method"],
                card_number=card.number,
                card_expiry_month=card.expiry_month,
                card_expiry_year=card.expiry_year,
                card_cvc=card.cvc,
            )
        return PaymentDetails(method=data["method"], upi_id=data["upi_id"])


class RecordPaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[
            (Payment.Method.CASH, _("Cash")),
            (Payment.Method.CARD, _("Card (terminal)")),
            (Payment.Method.UPI, _("UPI (QR at the counter)")),
            (Payment.Method.COUNTER, _("Other")),
        ],
    )
    amount = forms.DecimalField(
        label=_("Amount (INR)"), max_digits=12, decimal_places=2, min_value=0, required=False
    )
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=64,
        help_text=_("Terminal slip or UPI reference, if any."),
    )


class InvoiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Number, patient or practitioner"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + list(Invoice.Status.choices)
    )
    financial_year = forms.ChoiceField(label=_("Financial year"), required=False)
    start = forms.DateField(
        label=_("Issued from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Issued until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["financial_year"].choices = [("", _("Any"))] + [(y, y) for y in years]


class BillingSettingsForm(forms.ModelForm):
    """The billing rules, and when patients pay (a clinic-wide policy kept on the clinic)."""

    AT_BOOKING, AT_CLINIC = "at_booking", "at_clinic"

    payment_timing = forms.ChoiceField(
        label=_("When patients pay"),
        choices=[
            (AT_BOOKING, _("At booking (online, before the slot is booked)")),
            (AT_CLINIC, _("At the clinic (cash, card or UPI at the counter)")),
        ],
    )

    class Meta:
        model = BillingSettings
        fields = ["full_refund_hours", "refund_no_show"]

    def __init__(self, *args, payment_at_booking: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_timing"].initial = (
            self.AT_BOOKING if payment_at_booking else self.AT_CLINIC
        )
        self.order_fields(["payment_timing", *self.Meta.fields])

    @property
    def payment_at_booking(self) -> bool:
        return self.cleaned_data["payment_timing"] == self.AT_BOOKING


class RefundForm(forms.Form):
    """A staff refund: empty amount = everything still refundable."""

    amount = forms.DecimalField(
        label=_("Amount (INR)"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Leave empty to refund everything not yet refunded."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)
