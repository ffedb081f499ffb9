"""Invoices (GST), payments and credit notes. An issued invoice's amounts never change."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from carebook.booking.models import Appointment
from carebook.clinic.models import Practitioner, TaxCategory
from carebook.core.gst import STATES


def _money(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class BillingSettings(models.Model):
    """The clinic's billing rules: one row, read through `BillingSettings.current()`."""

    full_refund_hours = models.PositiveIntegerField(
        _("full refund if cancelled at least this many hours before"),
        default=24,
        help_text=_("Cancelled later than this: no refund."),
    )
    refund_no_show = models.BooleanField(
        _("refund no-shows"),
        default=False,
        help_text=_("Refund what a patient paid when they do not come. Off: no refund."),
    )

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")

    def __str__(self):
        return str(_("Billing settings"))

    @classmethod
    def current(cls) -> "BillingSettings":
        """The clinic's rules; the defaults (unsaved, so reading never writes) until saved."""
        row = cls.objects.order_by("pk").first()
        return row if row is not None else cls()


class DocumentSequence(models.Model):
    """The last number used in one series (invoices or credit notes) of one financial year.

    The row is locked (SELECT … FOR UPDATE) in the transaction that inserts the document, so a
    number is used exactly when the document commits: no gaps, no duplicates.
    """

    class Series(models.TextChoices):
        INVOICE = "CB", _("Invoice")
        CREDIT_NOTE = "CB-CN", _("Credit note")

    series = models.CharField(_("series"), max_length=8, choices=Series)
    financial_year = models.CharField(_("financial year"), max_length=7)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document sequence")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "financial_year"], name="billing_sequence_unique"
            ),
        ]

    def __str__(self):
        return f"{self.series}/{self.financial_year}: {self.last_number}"


class Invoice(models.Model):
    """A tax invoice for one appointment, with everything printed on it snapshotted: its lines
    (each with its tax), the heads' totals, in the currency of the visit's location."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued (unpaid)")
        PARTIALLY_PAID = "partially_paid", _("Partially paid")
        PAID = "paid", _("Paid")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        REFUNDED = "refunded", _("Refunded")

    number = models.CharField(_("number"), max_length=32, unique=True)
    financial_year = models.CharField(_("financial year"), max_length=7)
    sequence_number = models.PositiveIntegerField(_("sequence number"))
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="invoice"
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices"
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="invoices"
    )
    patient_name = models.CharField(_("patient name"), max_length=150)
    patient_email = models.EmailField(_("patient email"), blank=True)
    practitioner_name = models.CharField(_("practitioner name"), max_length=200)
    description = models.CharField(_("description"), max_length=255)
    visit_at = models.DateTimeField(_("visit at"))
    visit_time_zone = models.CharField(_("visit time zone"), max_length=64)
    clinic_name = models.CharField(_("clinic name"), max_length=200)
    clinic_address = models.TextField(_("clinic address"), blank=True)
    clinic_gstin = models.CharField(_("clinic GSTIN"), max_length=15, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="INR")
    tax_regime = models.CharField(_("tax regime"), max_length=16, default="india_gst")
    # India: the state code of the supplying location and where the charge line was supplied.
    supplier_state = models.CharField(_("supplier state"), max_length=2, blank=True)
    place_of_supply = models.CharField(_("place of supply"), max_length=2, blank=True)
    consultation_fee = _money(_("consultation fee"))
    service_charge = _money(_("service charge"))
    taxable_amount = _money(_("taxable value"))
    untaxed_amount = _money(_("exempt, nil-rated and out-of-scope value"), default=Decimal("0"))
    cgst_amount = _money(_("CGST"), default=Decimal("0"))
    sgst_amount = _money(_("SGST"), default=Decimal("0"))
    igst_amount = _money(_("IGST"), default=Decimal("0"))
    vat_amount = _money(_("VAT"), default=Decimal("0"))
    round_off = _money(_("round off"))
    total = _money(_("total"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.ISSUED, db_index=True
    )
    issued_at = models.DateTimeField(_("issued at"), db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("invoice")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["financial_year", "sequence_number"], name="invoice_number_per_fy"
            ),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="invoice_total_gte_0"),
            models.CheckConstraint(
                condition=models.Q(
                    taxable_amount=models.F("consultation_fee")
                    + models.F("service_charge")
                    - models.F("untaxed_amount")
                ),
                name="invoice_value_is_lines",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total=models.F("taxable_amount")
                    + models.F("untaxed_amount")
                    + models.F("cgst_amount")
                    + models.F("sgst_amount")
                    + models.F("igst_amount")
                    + models.F("vat_amount")
                    + models.F("round_off")
                ),
                name="invoice_total_is_sum",
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("billing:invoice", args=[self.pk])

    @property
    def tax_amount(self) -> Decimal:
        """Every tax head together (for display; reports keep the heads apart)."""
        return self.cgst_amount + self.sgst_amount + self.igst_amount + self.vat_amount

    @property
    def gross(self) -> Decimal:
        return self.taxable_amount + self.untaxed_amount + self.tax_amount

    @property
    def heads(self) -> list[tuple[str, Decimal]]:
        """The tax heads this invoice's regime uses, with their totals."""
        names = {"india_gst": ("CGST", "SGST", "IGST"), "uk_vat": ("VAT",)}.get(self.tax_regime, ())
        return [(name, getattr(self, f"{name.lower()}_amount")) for name in names]

    @property
    def place_of_supply_name(self) -> str:
        code = self.place_of_supply
        return f"{STATES.get(code, code)} ({code})" if code else ""


class InvoiceLine(models.Model):
    """One line of an invoice with its own tax: what the accountant files, line by line."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=16)  # "service" or "service_charge"
    description = models.CharField(_("description"), max_length=255)
    tax_code = models.CharField(_("SAC or VAT code"), max_length=16, blank=True)
    tax_category = models.CharField(_("tax"), max_length=16, choices=TaxCategory)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2)
    place_of_supply = models.CharField(_("place of supply"), max_length=2, blank=True)
    value = _money(_("value"))
    cgst_amount = _money(_("CGST"), default=Decimal("0"))
    sgst_amount = _money(_("SGST"), default=Decimal("0"))
    igst_amount = _money(_("IGST"), default=Decimal("0"))
    vat_amount = _money(_("VAT"), default=Decimal("0"))

    class Meta:
        verbose_name = _("invoice line")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="invoice_line_gte_0"),
        ]

    def __str__(self):
        return f"{self.invoice_id}/{self.position}: {self.description}"

    @property
    def tax_amount(self) -> Decimal:
        return self.cgst_amount + self.sgst_amount + self.igst_amount + self.vat_amount

    @property
    def head_columns(self) -> list[tuple[str, Decimal]]:
        """This line's amount of each head its invoice's regime uses, in the invoice's order."""
        return [(name, getattr(self, f"{name.lower()}_amount")) for name, _ in self.invoice.heads]


class Payment(models.Model):
    """Money received (or tried) for an appointment; linked to its invoice once there is one."""

    class Method(models.TextChoices):
        CARD = "card", _("Card")
        UPI = "upi", _("UPI")
        CASH = "cash", _("Cash")
        COUNTER = "counter", _("Other, at the counter")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="payments")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    method = models.CharField(_("method"), max_length=16, choices=Method)
    amount = _money(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    provider = models.CharField(_("provider"), max_length=32)
    provider_transaction_id = models.CharField(
        _("provider transaction id"), max_length=64, blank=True
    )
    # Never a card number: the last four digits, or a masked UPI id.
    payer_hint = models.CharField(_("paid with"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status, default=Status.PENDING, db_index=True
    )
    message = models.CharField(_("message"), max_length=255, blank=True)
    # The gateway's reference for giving back a charge that landed after its hold ran out.
    reversal_reference = models.CharField(_("reversal reference"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_gt_0"),
            models.CheckConstraint(
                condition=~models.Q(status="succeeded") | models.Q(invoice__isnull=False),
                name="payment_succeeded_has_invoice",
            ),
        ]
        indexes = [
            # Reports: money collected per local day.
            models.Index(
                fields=["completed_at"],
                condition=models.Q(status="succeeded"),
                name="payment_completed_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount} ({self.status})"

    @property
    def receipt_number(self) -> str:
        return f"RCPT-{self.pk:06d}"


class CreditNote(models.Model):
    """A refund against an invoice, numbered in its own gapless series per financial year.

    Money paid online goes back through the gateway after the note commits: the note is
    "pending" until the gateway's refund reference is recorded. Money paid at the counter is
    handed back there.
    """

    class RefundStatus(models.TextChoices):
        AT_COUNTER = "at_counter", _("Paid back at the counter")
        PENDING = "pending", _("Refund pending at the gateway")
        REFUNDED = "refunded", _("Refunded by the gateway")

    number = models.CharField(_("number"), max_length=32, unique=True)
    financial_year = models.CharField(_("financial year"), max_length=7)
    sequence_number = models.PositiveIntegerField(_("sequence number"))
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    amount = _money(_("amount"))
    # The tax the credit note takes back, head by head, in proportion to the invoice's.
    cgst_amount = _money(_("CGST"), default=Decimal("0"))
    sgst_amount = _money(_("SGST"), default=Decimal("0"))
    igst_amount = _money(_("IGST"), default=Decimal("0"))
    vat_amount = _money(_("VAT"), default=Decimal("0"))
    reason = models.CharField(_("reason"), max_length=255)
    refund_reference = models.CharField(_("refund reference"), max_length=64, blank=True)
    refund_status = models.CharField(
        _("refund status"), max_length=16, choices=RefundStatus, default=RefundStatus.AT_COUNTER
    )
    # The online payment the money goes back to (None: paid back at the counter).
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    # Set on the note that settles the end of a visit: one such note per appointment, however
    # often the settlement runs.
    settles = models.OneToOneField(
        Appointment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settling_credit_note",
    )
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("credit note")
        ordering = ["issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["financial_year", "sequence_number"], name="credit_note_number_per_fy"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_note_gt_0"),
        ]

    def __str__(self):
        return self.number

    @property
    def heads(self) -> list[tuple[str, Decimal]]:
        """The tax taken back, by each head of the invoice's regime."""
        return [(name, getattr(self, f"{name.lower()}_amount")) for name, _ in self.invoice.heads]
