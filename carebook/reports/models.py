"""The visits rollup: appointments counted per practitioner and local day (and month).

One row per day (grain D) or month (grain M, `day` its first day) and per where, what and how
it went: location, service, visit mode, status, and for a cancelled visit who cancelled it and
whether inside the cut-off. The reports read these rows instead of every appointment; how they
are kept current is in `carebook.reports.rollup`.
"""

from django.db import models

from carebook.clinic.models import Location, Practitioner, Service

LEAD_BAND_COUNT = 6
DECISION_BAND_COUNT = 5


class VisitRollup(models.Model):
    class Grain(models.TextChoices):
        DAY = "D", "day"
        MONTH = "M", "month"

    grain = models.CharField(max_length=1, choices=Grain)
    day = models.DateField()  # the location's local date (a month: its first day)
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=16)
    status = models.CharField(max_length=16)
    canceller = models.CharField(max_length=16, blank=True)  # visits.CANCELLERS; "" if not
    late = models.BooleanField(default=False)  # cancelled inside the cancellation cut-off

    visits = models.PositiveIntegerField()
    seconds = models.BigIntegerField()  # the visits' length
    lead_seconds = models.BigIntegerField()  # booked -> start
    lead_0 = models.PositiveIntegerField(default=0)  # per visits.LEAD_BANDS
    lead_1 = models.PositiveIntegerField(default=0)
    lead_2 = models.PositiveIntegerField(default=0)
    lead_3 = models.PositiveIntegerField(default=0)
    lead_4 = models.PositiveIntegerField(default=0)
    lead_5 = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)  # requests the practitioner answered
    decision_seconds = models.BigIntegerField(default=0)  # requested -> answered
    decision_0 = models.PositiveIntegerField(default=0)  # per visits.DECISION_BANDS
    decision_1 = models.PositiveIntegerField(default=0)
    decision_2 = models.PositiveIntegerField(default=0)
    decision_3 = models.PositiveIntegerField(default=0)
    decision_4 = models.PositiveIntegerField(default=0)
    # Visits starting in each local hour (00-23): the peak-hours heat map, by the day's weekday.
    h00 = models.PositiveIntegerField(default=0)
    h01 = models.PositiveIntegerField(default=0)
    h02 = models.PositiveIntegerField(default=0)
    h03 = models.PositiveIntegerField(default=0)
    h04 = models.PositiveIntegerField(default=0)
    h05 = models.PositiveIntegerField(default=0)
    h06 = models.PositiveIntegerField(default=0)
    h07 = models.PositiveIntegerField(default=0)
    h08 = models.PositiveIntegerField(default=0)
    h09 = models.PositiveIntegerField(default=0)
    h10 = models.PositiveIntegerField(default=0)
    h11 = models.PositiveIntegerField(default=0)
    h12 = models.PositiveIntegerField(default=0)
    h13 = models.PositiveIntegerField(default=0)
    h14 = models.PositiveIntegerField(default=0)
    h15 = models.PositiveIntegerField(default=0)
    h16 = models.PositiveIntegerField(default=0)
    h17 = models.PositiveIntegerField(default=0)
    h18 = models.PositiveIntegerField(default=0)
    h19 = models.PositiveIntegerField(default=0)
    h20 = models.PositiveIntegerField(default=0)
    h21 = models.PositiveIntegerField(default=0)
    h22 = models.PositiveIntegerField(default=0)
    h23 = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "practitioner",
                    "grain",
                    "day",
                    "location",
                    "service",
                    "mode",
                    "status",
                    "canceller",
                    "late",
                ],
                name="visit_rollup_one_row_per_key",
            ),
        ]
        indexes = [models.Index(fields=["grain", "day"], name="visit_rollup_span")]

    def __str__(self):
        return f"{self.grain} {self.day} #{self.practitioner_id} {self.status}: {self.visits}"


def _money():
    return models.DecimalField(max_digits=14, decimal_places=2, default=0)


class MoneyRollup(models.Model):
    """Money per practitioner, local day (or month) of the visit's zone, where, what and
    currency: invoices by the day they were issued, credit notes by theirs, payments by the
    day they completed (`reports.revenue` names the figures)."""

    grain = models.CharField(max_length=1, choices=VisitRollup.Grain)
    day = models.DateField()
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)

    invoices = models.PositiveIntegerField(default=0)
    invoiced = _money()
    untaxed = _money()
    cgst = _money()
    sgst = _money()
    igst = _money()
    vat = _money()
    round_off = _money()
    billed = _money()
    outstanding = _money()
    refunded = _money()
    refunded_cgst = _money()
    refunded_sgst = _money()
    refunded_igst = _money()
    refunded_vat = _money()
    collected = _money()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "grain", "day", "location", "service", "currency"],
                name="money_rollup_one_row_per_key",
            ),
        ]
        indexes = [models.Index(fields=["grain", "day"], name="money_rollup_span")]

    def __str__(self):
        return f"{self.grain} {self.day} #{self.practitioner_id} {self.currency}"
