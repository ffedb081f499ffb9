"""Reads behind the FHIR endpoints, each filtered to what the caller may see."""

from datetime import UTC, datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.query import ModelIterable

from carebook.accounts.models import PatientProfile, User
from carebook.booking.availability import appointments_keeping_time, slots_free_many
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.booking.selectors import appointment_visible_to, patients_of_practitioner
from carebook.clinic.models import Location, Practitioner, Service
from carebook.clinic.selectors import clinician_in_good_standing, practitioners_bookable
from carebook.core.access_log import AccessLog, access_log_record_reads
from carebook.core.timeutils import zone
from carebook.fhir.resources import PRACTITIONER_SYSTEM, REGISTRATION_SYSTEM, SlotKey
from carebook.scheduling.models import AvailabilityWindow
from carebook.scheduling.selectors import windows_and_rules_for


def practitioners_listed() -> QuerySet[Practitioner]:
    """Bookable practitioners with what their resources show, in id order."""
    return (
        practitioners_bookable()
        .select_related("user")
        .prefetch_related(
            "specialties",
            "languages",
            Prefetch("services", queryset=Service.objects.filter(is_active=True)),
        )
        .order_by("pk")
    )


def locations_listed() -> QuerySet[Location]:
    """Every location, open or closed (a closed one says so in its status)."""
    return Location.objects.order_by("pk")


def practitioner_ids_identified(identifiers: list[tuple[str, str]]) -> list[int]:
    """Bookable practitioners named by (system, value) identifiers: carebook's own id, or a
    registration number; another system names nobody here."""
    ids = {int(v) for sys, v in identifiers if sys == PRACTITIONER_SYSTEM and v.isdigit()}
    numbers = {v for sys, v in identifiers if sys == REGISTRATION_SYSTEM and v}
    wanted = Q(pk__in=[i for i in ids if i < 10**18])
    if numbers:
        wanted |= Q(registration_number__in=numbers)
    return list(practitioners_bookable().filter(wanted).values_list("pk", flat=True))


def location_ids_matching(texts: list[str]) -> list[int]:
    """Open locations whose name, city or address holds any of `texts` (a FHIR string search
    over the address: a city, a part of the street, a name)."""
    wanted = Q(pk__in=[])
    for text in texts:
        wanted |= Q(name__icontains=text) | Q(city__istartswith=text) | Q(address__icontains=text)
    return list(Location.objects.filter(wanted, is_active=True).values_list("pk", flat=True))


def schedule_pairs(
    *, practitioner_ids: list[int] | None = None, location_ids: list[int] | None = None
) -> list[tuple[int, int]]:
    """(practitioner, location) of every schedule: a bookable practitioner's open location."""
    qs = AvailabilityWindow.objects.filter(
        practitioner__in=practitioners_bookable(), location__is_active=True
    )
    if practitioner_ids is not None:
        qs = qs.filter(practitioner_id__in=practitioner_ids)
    if location_ids is not None:
        qs = qs.filter(location_id__in=location_ids)
    return sorted(set(qs.values_list("practitioner_id", "location_id")))


class PatientsReadQuerySet(QuerySet):
    """Patients whose profiles are logged as read by `reader` through FHIR when fetched."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._reader, self._path = None, ""

    def read_by(self, user: User, *, path: str) -> "PatientsReadQuerySet":
        clone = self._chain()
        clone._reader, clone._path = user, path
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._reader, clone._path = self._reader, self._path
        return clone

    def _fetch_all(self):
        fetching = self._result_cache is None
        super()._fetch_all()
        if fetching and self._reader is not None and self._iterable_class is ModelIterable:
            access_log_record_reads(
                by=self._reader,
                what=AccessLog.What.PATIENT_PROFILE,
                reads=[(p.pk, getattr(patient_profile(p), "pk", None)) for p in self._result_cache],
                door=AccessLog.Door.FHIR,
                path=self._path,
            )


def patients_for_fhir(user: User | None, *, path: str = "") -> QuerySet[User]:
    """Patients `user` may read, in id order: staff every patient, a practitioner in good
    standing those who booked with them, a patient themself. Reads by others are logged."""
    qs = (
        PatientsReadQuerySet(model=User)
        .read_by(user, path=path)
        .filter(role=User.Role.PATIENT)
        .select_related("patient_profile")
        .order_by("pk")
    )
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_staff:
        return qs if clinician_in_good_standing(user) else qs.none()
    if user.is_practitioner:
        if not clinician_in_good_standing(user):
            return qs.none()
        return qs.filter(pk__in=patients_of_practitioner(user=user).values("pk"))
    if user.is_patient:
        return qs.filter(pk=user.pk)
    return qs.none()


def patient_profile(patient: User) -> PatientProfile | None:
    try:
        return patient.patient_profile
    except PatientProfile.DoesNotExist:
        return None


def appointments_for_fhir(user: User, *, path: str = "") -> QuerySet[Appointment]:
    """What `user` may see, with the history rows that hold cancellation reasons; the reasons
    of the rows fetched are logged as read through the FHIR door."""
    return appointment_visible_to(user, door="fhir", path=path).prefetch_related(
        Prefetch(
            "history",
            queryset=AppointmentHistory.objects.filter(
                to_status__in=[Appointment.Status.CANCELLED, Appointment.Status.REJECTED]
            ).order_by("-at", "-id"),
            to_attr="cancel_rows",
        )
    )


def cancel_reason(appointment: Appointment) -> str:
    rows = getattr(appointment, "cancel_rows", None)
    if rows is None:
        rows = list(
            appointment.history.filter(to_status=appointment.status).order_by("-at", "-id")[:1]
        )
    return next((r.reason for r in rows if r.to_status == appointment.status and r.reason), "")


def busy_times(
    *,
    schedules: list[tuple[int, int]],
    start: datetime,
    end: datetime,
    now: datetime,
    service_ids: list[int] | None = None,
) -> dict[tuple[int, int], list[tuple[Service, datetime, datetime]]]:
    """Active appointments starting in [start, end) of each schedule: (service, start, end).

    Keyed (practitioner id, location id); one query, no patient data.
    """
    out: dict[tuple[int, int], list] = {pair: [] for pair in schedules}
    qs = appointments_keeping_time(now=now).filter(
        practitioner_id__in={p for p, _ in schedules},
        location_id__in={loc for _, loc in schedules},
        start__gte=start,
        start__lt=end,
    )
    if service_ids is not None:
        qs = qs.filter(service_id__in=service_ids)
    rows = list(
        qs.order_by("start").values_list(
            "practitioner_id", "location_id", "service_id", "start", "end"
        )
    )
    services = Service.objects.in_bulk({row[2] for row in rows})
    for pid, lid, service_id, visit_start, visit_end in rows:
        if (pid, lid) in out:
            out[(pid, lid)].append((services[service_id], visit_start, visit_end))
    return out


def free_slots(
    wanted: list[tuple[Practitioner, Location, list[Service]]],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> dict[tuple[int, int], list[tuple[SlotKey, datetime, Service]]]:
    """Slots the engine offers in [start, end) of each (practitioner, location, services).

    Keyed (practitioner id, location id); each slot as (key, end, service). Read in one go.
    """
    # Local dates of any zone lie within a day of the UTC date.
    first = (start.astimezone(UTC) - timedelta(days=1)).date()
    last = (end.astimezone(UTC) + timedelta(days=1)).date()
    found = slots_free_many(
        [(p.pk, loc.pk, service) for p, loc, services in wanted for service in services],
        start_date=first,
        end_date=last,
        now=now,
    )
    return {
        (p.pk, loc.pk): [
            (SlotKey(p.pk, loc.pk, service.pk, s.start), s.end, service)
            for service in services
            for s in found[(p.pk, loc.pk, service.pk)]
            if start <= s.start < end
        ]
        for p, loc, services in wanted
    }


def slot_on_grid(key: SlotKey, *, minutes: int) -> bool:
    """Whether `key` starts on a step of one of the practitioner's windows at its location and
    fits in it: a time the engine offers when nothing else is booked (so an id we may have
    issued), whatever the packing of the visits around it."""
    windows, rules = windows_and_rules_for([key.practitioner_id])
    step = timedelta(minutes=max(rules[key.practitioner_id].step_minutes, 1)) if windows else None
    for window in windows.get(key.practitioner_id, []):
        if window.location_id != key.location_id:
            continue
        wall = key.start.astimezone(zone(window.time_zone)).replace(tzinfo=None)
        opens = datetime.combine(wall.date(), window.start)
        if (
            window.applies_on(wall.date())
            and opens <= wall
            and wall + timedelta(minutes=minutes) <= datetime.combine(wall.date(), window.end)
            and (wall - opens) % step == timedelta(0)
        ):
            return True
    return False


def slot_is_busy(key: SlotKey, *, end: datetime, now: datetime) -> bool:
    """Whether an appointment keeps the practitioner busy during the slot `key` names at `now`:
    one at this slot, or any other visit (any service, any location) whose time covers it."""
    return (
        appointments_keeping_time(now=now)
        .filter(practitioner_id=key.practitioner_id, hold_start__lt=end, hold_end__gt=key.start)
        .exists()
    )
