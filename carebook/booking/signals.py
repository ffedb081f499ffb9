"""What moves a practitioner's next free start, from any door (services, admin, shell).

Model signals catch hours, time off, rules and services however they are saved; appointment
changes arrive through the appointment event. Each enqueues the recompute in the changing
transaction.
"""

from django.db.models.signals import post_delete, post_save

from carebook.booking.models import Appointment
from carebook.booking.tasks import next_free_changed
from carebook.clinic.models import Location, Service
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff

ACTIVE = set(Appointment.ACTIVE_STATUSES)


def _practitioner_changed(sender, instance, **kwargs) -> None:
    next_free_changed([instance.practitioner_id])


def _location_changed(sender, instance, **kwargs) -> None:
    next_free_changed(
        AvailabilityWindow.objects.filter(location_id=instance.pk).values_list(
            "practitioner_id", flat=True
        )
    )


def appointment_changed(*, history, **kwargs) -> None:
    """A visit took or gave back time (a hold's expiry is in its row's `fresh_until`)."""
    if (history.from_status in ACTIVE) != (history.to_status in ACTIVE):
        next_free_changed([history.appointment.practitioner_id])


def connect() -> None:
    for model in (AvailabilityWindow, TimeOff, BookingRules, Service):
        post_save.connect(_practitioner_changed, sender=model, dispatch_uid=f"next_free_{model}")
        post_delete.connect(_practitioner_changed, sender=model, dispatch_uid=f"next_free_d{model}")
    post_save.connect(_location_changed, sender=Location, dispatch_uid="next_free_location")
