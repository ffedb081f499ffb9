"""Invoices (GST), payments and credit notes. An issued invoice's amounts never change."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from carebook.booking.models import Appointment
from carebook.clinic.models import Practitioner


def _money(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class BillingSettings(models.Model):
    """The clinic's billing rules: one row, read through `BillingSettings.current()`."""

    service_charge = _money(
        _("service charge (INR)"),
        default=Decimal("50.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    gst_rate = models.DecimalField(
        _("GST rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("18.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Charged as CGST and SGST, half each (intra-state supply)."),
    )
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
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service_charge__gte=0), name="billing_charge_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(gst_rate__gte=0, gst_rate__lte=100), name="billing_gst_range"
            ),
        ]

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
    """A GST tax invoice for one appointment, with everything printed on it snapshotted."""

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
    consultation_fee = _money(_("consultation fee"))
    service_charge = _money(_("service charge"))
    taxable_amount = _money(_("taxable amount"))
    gst_rate = models.DecimalField(_("GST rate (%)"), max_digits=5, decimal_places=2)
    cgst_rate = models.DecimalField(_("CGST rate (%)"), max_digits=5, decimal_places=3)
    sgst_rate = models.DecimalField(_("SGST rate (%)"), max_digits=5, decimal_places=3)
    cgst_amount = _money(_("CGST"))
    sgst_amount = _money(_("SGST"))
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
                    taxable_amount=models.F("consultation_fee") + models.F("service_charge")
                ),
                name="invoice_taxable_is_sum",
            ),
        ]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("billing:invoice", args=[self.pk])

    @property
    def gst_amount(self) -> Decimal:
        return self.cgst_amount + self.sgst_amount

    @property
    def gross(self) -> Decimal:
        return self.taxable_amount + self.gst_amount


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
