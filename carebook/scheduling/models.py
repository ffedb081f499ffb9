from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from carebook.clinic.models import Location, Practitioner


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class AvailabilityWindow(models.Model):
    """Weekly working hours at one location, in that location's wall-clock time."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="windows")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("availability window")
        ordering = ["practitioner", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="window_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="window_weekday_range"
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M} "
            f"at {self.location}"
        )

    def clean(self):
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError(_("The window must end after it starts."))
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError(_("'Valid until' is before 'valid from'."))
        if self.practitioner_id and self.start_time and self.end_time and self.weekday is not None:
            clash = AvailabilityWindow.objects.filter(
                practitioner_id=self.practitioner_id,
                weekday=self.weekday,
                start_time__lt=self.end_time,
                end_time__gt=self.start_time,
            ).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError(_("This overlaps another window on the same day."))


class TimeOff(models.Model):
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="time_off"
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="timeoff_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["practitioner", "start", "end"])]

    def __str__(self):
        return f"{self.practitioner}: {self.start:%Y-%m-%d %H:%M} → {self.end:%Y-%m-%d %H:%M}"

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError(_("Time off must end after it starts."))


class BookingRules(models.Model):
    """How a practitioner's calendar may be booked."""

    practitioner = models.OneToOneField(
        Practitioner, on_delete=models.CASCADE, related_name="booking_rules"
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        _("slot step (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text=_("Slots start on this grid from the start of each window."),
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(
        _("buffer before (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        _("buffer after (minutes)"), default=0, validators=[MaxValueValidator(240)]
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"), default=60, validators=[MaxValueValidator(60 * 24 * 60)]
    )
    max_days_ahead = models.PositiveSmallIntegerField(
        _("bookable days ahead"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
    )
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        _("patient cancellation cut-off (hours before)"),
        default=24,
        validators=[MaxValueValidator(24 * 30)],
    )
    auto_confirm = models.BooleanField(_("confirm bookings automatically"), default=False)

    class Meta:
        verbose_name = _("booking rules")
        verbose_name_plural = _("booking rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_step_minutes__gte=5), name="rules_step_min"
            ),
            models.CheckConstraint(
                condition=models.Q(max_days_ahead__gte=1), name="rules_horizon_min"
            ),
        ]

    def __str__(self):
        return f"Booking rules of {self.practitioner}"
