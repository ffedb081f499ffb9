"""Reads of appointments, always filtered to what the acting user may see.

An appointment's reason (the patient's symptoms) is clinical: a read of it by anyone but the
patient goes to the access log. A caller that shows reasons names its door (`door="web"`,
"rest", "fhir", "admin"); the rows then log themselves as they are fetched, so a paginated list
logs exactly the page it shows. Counting, `.values()` and `.exists()` fetch no reasons and log
nothing.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.query import ModelIterable

from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.clinic.selectors import clinician_in_good_standing
from carebook.core.access_log import AccessLog, access_log_record_reads


def appointment_reasons_read(*, user: User, appointments, door: str, path: str = "") -> None:
    """Log that `user` was shown these appointments' reasons (the patient's own and empty
    reasons are not logged)."""
    access_log_record_reads(
        by=user,
        what=AccessLog.What.APPOINTMENT_REASON,
        reads=[(a.patient_id, a.pk) for a in appointments if a.reason],
        door=door,
        path=path,
    )


class ReasonsReadQuerySet(QuerySet):
    """Appointments whose reasons are logged as read by `reader` when the rows are fetched."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._reader = None
        self._door = ""
        self._path = ""

    def reasons_read_by(self, user: User, *, door: str, path: str = "") -> "ReasonsReadQuerySet":
        """This queryset, logging the fetched reasons as read by `user` through `door` ("" for
        a caller that shows none)."""
        clone = self._chain()
        clone._reader, clone._door, clone._path = user, door, path
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._reader, clone._door, clone._path = self._reader, self._door, self._path
        return clone

    def _fetch_all(self):
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching and self._door and self._iterable_class is ModelIterable:
            appointment_reasons_read(
                user=self._reader, appointments=self._result_cache, door=self._door, path=self._path
            )


def appointment_visible_to(user: User, *, door: str = "", path: str = "") -> QuerySet[Appointment]:
    """Every appointment `user` may see: staff all, a practitioner theirs, a patient their own.

    With `door`, the reasons of the rows fetched are logged as read through that door."""
    qs = (
        ReasonsReadQuerySet(model=Appointment)
        .reasons_read_by(user, door=door, path=path)
        .select_related(
            "patient", "practitioner__user", "practitioner__booking_rules", "location", "service"
        )
    )
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_staff:
        return qs
    if user.is_practitioner:
        # Visits carry clinical reasons: only a practitioner in good standing reads them.
        if not clinician_in_good_standing(user):
            return qs.none()
        return qs.filter(practitioner__user=user)
    if user.is_patient:
        return qs.filter(patient=user)
    return qs.none()


def appointment_get_for(
    *, user: User, pk: int, door: str = AccessLog.Door.WEB, path: str = ""
) -> Appointment | None:
    """One appointment if `user` may see it, else None (callers answer 404). Its page shows
    the reason, so the read is logged through `door` unless the caller passes door=""."""
    return appointment_visible_to(user, door=door, path=path).filter(pk=pk).first()


def appointment_as_booked(
    *, user: User, appointment: Appointment, door: str, path: str = ""
) -> Appointment | None:
    """The appointment `user` has just booked, to show back: for its patient or staff (who
    may see any) without reading it again, as the booking was given its parties; for anyone
    else through `appointment_get_for` (None when they may not see it). Its reason is logged
    as read through `door` either way."""
    if not (user.is_staff or appointment.patient_id == user.pk):
        return appointment_get_for(user=user, pk=appointment.pk, door=door, path=path)
    appointment_reasons_read(user=user, appointments=[appointment], door=door, path=path)
    return appointment


@dataclass(frozen=True)
class PatientVisits:
    upcoming: list[Appointment]  # active (held, requested, confirmed), not yet over
    past: list[Appointment]  # over: completed, missed, or never closed
    cancelled: list[Appointment]  # cancelled, rejected or expired (a move is not a cancellation)


def patient_visits(*, user: User, now, limit: int = 50) -> PatientVisits:
    """A patient's visits sorted the way they think of them. A visit moved to another time is
    one visit: the new booking, which knows where it came from; the old one is left out."""
    S = Appointment.Status
    qs = (
        appointment_visible_to(user)
        .filter(patient=user)
        .exclude(rescheduled_to__isnull=False)
        .select_related("practitioner__user", "location", "service", "rescheduled_from")
    )
    closed = [S.CANCELLED, S.REJECTED, S.EXPIRED]
    return PatientVisits(
        upcoming=list(
            qs.filter(status__in=Appointment.ACTIVE_STATUSES, end__gte=now).order_by("start")
        ),
        past=list(qs.exclude(status__in=closed).filter(end__lt=now).order_by("-start")[:limit]),
        cancelled=list(qs.filter(status__in=closed).order_by("-start")[:limit]),
    )


def patients_of_practitioner(*, user: User) -> QuerySet[User]:
    """Patients a practitioner has seen or will see: not ones only held, rejected or cancelled."""
    if not user.is_practitioner:
        return User.objects.none()
    S = Appointment.Status
    return (
        User.objects.filter(
            appointments__practitioner__user=user,
            appointments__status__in=[S.REQUESTED, S.CONFIRMED, S.COMPLETED, S.NO_SHOW],
        )
        .distinct()
        .order_by("full_name")
    )


def appointment_search(
    *,
    user: User,
    status: str = "",
    practitioner_id=None,
    patient_q: str = "",
    start=None,
    end=None,
    door: str = "",
    path: str = "",
) -> QuerySet[Appointment]:
    """Appointments `user` may see, filtered; with `door`, fetched reasons are logged."""
    qs = appointment_visible_to(user, door=door, path=path)
    if status:
        qs = qs.filter(status=status)
    if practitioner_id:
        qs = qs.filter(practitioner_id=practitioner_id)
    if patient_q:
        qs = qs.filter(
            Q(patient__full_name__icontains=patient_q) | Q(patient__email__icontains=patient_q)
        )
    if start:
        qs = qs.filter(start__gte=start)
    if end:
        qs = qs.filter(start__lt=end)
    return qs.order_by("start")
