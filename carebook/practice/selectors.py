"""Reads for the practitioner workspace, each filtered to the acting practitioner's own rows."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from carebook.accounts.models import PatientProfile, User
from carebook.booking.models import Appointment
from carebook.booking.selectors import appointment_visible_to, patients_of_practitioner
from carebook.clinic.models import Location, Practitioner, Service
from carebook.clinic.selectors import clinician_in_good_standing
from carebook.core.access_log import AccessLog, access_log_record
from carebook.core.timeutils import age_on
from carebook.records.selectors import patients_treated_by
from carebook.scheduling.models import AvailabilityWindow, BookingRules, TimeOff

S = Appointment.Status
CLOSED = (S.CANCELLED, S.NO_SHOW, S.REJECTED)
PENDING_SHOWN = 50


def home_zone(*, practitioner: Practitioner) -> str:
    """The zone the practitioner mostly works in (by weekly windows), else the clinic's default."""
    row = (
        Location.objects.filter(windows__practitioner=practitioner, is_active=True)
        .values("time_zone")
        .annotate(n=Count("windows"))
        .order_by("-n", "time_zone")
        .first()
    )
    return row["time_zone"] if row else timezone.get_default_timezone_name()


def _own_appointments(user: User) -> QuerySet[Appointment]:
    # The workspace pages show each visit's reason: the rows fetched log themselves.
    return (
        appointment_visible_to(user, door=AccessLog.Door.WEB)
        .filter(practitioner__user=user)
        .exclude(status=S.HELD)
    )


def appointment_of(*, user: User, pk: int) -> Appointment | None:
    """One of the practitioner's own appointments, else None (callers answer 404)."""
    return _own_appointments(user).filter(pk=pk).first()


# --- Today ---------------------------------------------------------------------------------


@dataclass
class Segment:
    key: str
    title: str
    items: list[Appointment] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)


@dataclass
class TodayBoard:
    pending: list[Appointment]
    pending_total: int
    segments: list[Segment]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.segments)


def _segment_of(appointment: Appointment, now: datetime) -> str:
    if appointment.status == S.COMPLETED:
        return "completed"
    if appointment.status in CLOSED:
        return "closed"
    if now < appointment.start:
        return "upcoming"
    if now < appointment.end:
        return "now"
    return "to_record"


def today_board(*, user: User, now: datetime) -> TodayBoard:
    """Today's visits, each in its own location's local day, sorted into segments; plus every
    request still waiting for a decision. Two or three queries whatever the number of visits."""
    # A local day lies within 26 hours of `now` in any zone (25-hour DST days included).
    near = _own_appointments(user).filter(
        start__gte=now - timedelta(hours=26), start__lt=now + timedelta(hours=26)
    )
    segments = {
        "upcoming": Segment("upcoming", "Upcoming"),
        "now": Segment("now", "Now and checked in"),
        "to_record": Segment("to_record", "Ended, outcome to record"),
        "completed": Segment("completed", "Completed"),
        "closed": Segment("closed", "Cancelled and no-show"),
    }
    for appointment in near.order_by("start", "pk"):
        tz = appointment.location.tz
        if appointment.start.astimezone(tz).date() == now.astimezone(tz).date():
            segments[_segment_of(appointment, now)].items.append(appointment)
    pending_qs = _own_appointments(user).filter(status=S.REQUESTED, end__gt=now)
    pending = list(
        pending_qs.select_related("patient__patient_profile").order_by("start", "pk")[
            : PENDING_SHOWN + 1
        ]
    )
    for appointment in pending:
        # Deciding a request needs the patient's age (the minimal card): name, age, reason.
        profile = patient_profile(appointment.patient)
        appointment.patient_age = age_on(
            profile.date_of_birth if profile else None,
            now.astimezone(appointment.location.tz).date(),
        )
    total = len(pending) if len(pending) <= PENDING_SHOWN else pending_qs.count()
    shown = [s for s in segments.values() if s.key != "to_record" or s.items]
    return TodayBoard(pending=pending[:PENDING_SHOWN], pending_total=total, segments=shown)


def setup_gaps(*, practitioner: Practitioner) -> dict[str, bool]:
    """What is still missing before patients can book this practitioner."""
    return {
        "services": not Service.objects.filter(practitioner=practitioner, is_active=True).exists(),
        "hours": not AvailabilityWindow.objects.filter(
            practitioner=practitioner, location__is_active=True
        ).exists(),
    }


# --- Week ----------------------------------------------------------------------------------


@dataclass
class WeekDay:
    day: date
    items: list[Appointment]


def week_appointments(
    *, user: User, first_day: date, include_closed: bool = False
) -> list[WeekDay]:
    """Seven days of the practitioner's visits from `first_day`, by each location's local date."""
    days = [first_day + timedelta(days=i) for i in range(7)]
    qs = _own_appointments(user).filter(
        start__gte=datetime.combine(first_day - timedelta(days=1), time.min, UTC),
        start__lt=datetime.combine(first_day + timedelta(days=8), time.min, UTC),
    )
    if not include_closed:
        qs = qs.exclude(status__in=(S.CANCELLED, S.REJECTED))
    by_day: dict[date, list[Appointment]] = {d: [] for d in days}
    for appointment in qs.order_by("start", "pk"):
        local_day = appointment.start.astimezone(appointment.location.tz).date()
        if local_day in by_day:
            by_day[local_day].append(appointment)
    return [WeekDay(d, by_day[d]) for d in days]


# --- Calendar set-up -----------------------------------------------------------------------


def locations_active() -> QuerySet[Location]:
    return Location.objects.filter(is_active=True).order_by("city", "name")


def windows_of(*, user: User) -> QuerySet[AvailabilityWindow]:
    return (
        AvailabilityWindow.objects.filter(practitioner__user=user)
        .select_related("location", "practitioner")
        .order_by("weekday", "start_time", "pk")
    )


def window_of(*, user: User, pk: int) -> AvailabilityWindow | None:
    return windows_of(user=user).filter(pk=pk).first()


def time_off_of(*, user: User, since: datetime) -> QuerySet[TimeOff]:
    """Time off that has not ended before `since`, soonest first."""
    return (
        TimeOff.objects.filter(practitioner__user=user, end__gt=since)
        .select_related("practitioner")
        .order_by("start", "pk")
    )


def time_off_get(*, user: User, pk: int) -> TimeOff | None:
    return (
        TimeOff.objects.select_related("practitioner")
        .filter(practitioner__user=user, pk=pk)
        .first()
    )


def active_visits_during(*, user: User, start: datetime, end: datetime) -> int:
    """How many booked visits of the practitioner fall in [start, end)."""
    return (
        _own_appointments(user)
        .filter(status__in=(S.REQUESTED, S.CONFIRMED), start__lt=end, end__gt=start)
        .count()
    )


def rules_of(*, practitioner: Practitioner) -> BookingRules | None:
    return BookingRules.objects.filter(practitioner=practitioner).first()


def services_of(*, user: User) -> QuerySet[Service]:
    return (
        Service.objects.filter(practitioner__user=user)
        .select_related("practitioner")
        .order_by("-is_active", "duration_minutes", "name", "pk")
    )


def service_of(*, user: User, pk: int) -> Service | None:
    return services_of(user=user).filter(pk=pk).first()


# --- Patients ------------------------------------------------------------------------------


def patient_list(*, user: User, q: str = "", now: datetime) -> QuerySet[User]:
    """Patients with at least one visit with this practitioner, with counts and visit dates of
    those visits only (the filter before the annotations restricts them to this practitioner).
    `record_open` tells the patients they treat from those who have only asked: of those the
    page shows the minimal card, and their phone number neither shows nor is searched."""
    qs = patients_of_practitioner(user=user).annotate(
        record_open=Exists(patients_treated_by(user=user).filter(pk=OuterRef("pk")))
    )
    if q:
        qs = qs.filter(Q(full_name__icontains=q) | Q(phone__icontains=q, record_open=True))
    return qs.select_related("patient_profile").annotate(
        visits=Count("appointments", filter=Q(appointments__status=S.COMPLETED)),
        last_visit=Max(
            "appointments__start",
            filter=Q(appointments__start__lt=now) & ~Q(appointments__status__in=CLOSED),
        ),
        next_visit=Min(
            "appointments__start",
            filter=Q(
                appointments__start__gte=now,
                appointments__status__in=(S.REQUESTED, S.CONFIRMED),
            ),
        ),
    )


def patient_of(*, user: User, pk: int, path: str = "") -> User | None:
    """A patient who has booked with this practitioner, else None (callers answer 404). The
    page shows their profile (age; with `record_open`, also blood group and phone): a logged
    clinical read, refused to a practitioner not in good standing. `record_open` is False while
    the patient has only asked for a visit (see records.selectors.patients_treated_by)."""
    if not clinician_in_good_standing(user):
        return None
    patient = (
        patients_of_practitioner(user=user)
        .annotate(record_open=Exists(patients_treated_by(user=user).filter(pk=OuterRef("pk"))))
        .select_related("patient_profile")
        .filter(pk=pk)
        .first()
    )
    if patient is not None:
        profile = patient_profile(patient)
        access_log_record(
            by=user,
            patient_id=patient.pk,
            what=AccessLog.What.PATIENT_PROFILE,
            ids=[profile.pk if profile else None],
            door=AccessLog.Door.WEB,
            path=path,
        )
    return patient


def patient_profile(patient: User) -> PatientProfile | None:
    try:
        return patient.patient_profile
    except PatientProfile.DoesNotExist:
        return None


def visits_with(*, user: User, patient: User) -> QuerySet[Appointment]:
    """The patient's visits with this practitioner only, latest first."""
    return _own_appointments(user).filter(patient=patient).order_by("-start", "-pk")


def requests_from(*, user: User, patient: User) -> QuerySet[Appointment]:
    """The patient's requests still waiting for this practitioner's decision, soonest first."""
    return (
        _own_appointments(user)
        .filter(patient=patient, status=S.REQUESTED)
        .order_by("start", "pk")[:PENDING_SHOWN]
    )
