"""Reads for the clinic office; each takes the acting user and gives non-staff nothing."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from carebook.accounts.models import User
from carebook.booking.models import Appointment
from carebook.booking.selectors import appointment_search, appointment_visible_to
from carebook.clinic.models import ContactMessage, Practitioner
from carebook.clinic.services import REGISTRATION_REJECTED
from carebook.core.querysets import filter_given
from carebook.core.security_log import SecurityEvent
from carebook.core.timeutils import local_day_bounds
from carebook.reports.selectors import ReportFilters
from carebook.reports.summary import SECTIONS, report_summary
from carebook.scheduling.models import AvailabilityWindow


def _is_staff(user: User) -> bool:
    return user.is_authenticated and user.is_staff


def clinic_today(now: datetime) -> date:
    """Today's date in the clinic's own time zone (settings.TIME_ZONE)."""
    return now.astimezone(timezone.get_default_timezone()).date()


def clinic_range(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """UTC bounds of the clinic-zone days first..last, both inclusive; None leaves a side open."""
    tz = timezone.get_default_timezone()
    start = local_day_bounds(first, tz)[0] if first else None
    end = local_day_bounds(last, tz)[1] if last else None
    return start, end


@dataclass
class AppointmentCounts:
    status: str
    label: str
    today: int
    week: int


@dataclass
class Dashboard:
    today: date
    week_start: date
    week_end: date
    practitioners_verified: int
    practitioners_pending: int
    patients_active: int
    patients_pending: int
    appointments: list[AppointmentCounts]
    appointments_today: int
    appointments_week: int
    messages_new: int


def dashboard_for(*, user: User, now: datetime) -> Dashboard | None:
    """The office's headline numbers, in four queries; None for anyone but staff."""
    if not _is_staff(user):
        return None
    today = clinic_today(now)
    week_start = today - timedelta(days=today.weekday())
    week_end = week_start + timedelta(days=6)
    day_lo, day_hi = clinic_range(today, today)
    week_lo, week_hi = clinic_range(week_start, week_end)

    practitioners = Practitioner.objects.aggregate(
        verified=Count("pk", filter=Q(verified_at__isnull=False, user__state=User.State.ACTIVE)),
        pending=Count(
            "pk", filter=Q(verified_at__isnull=True) & ~Q(user__state=User.State.SUSPENDED)
        ),
    )
    patients = User.objects.filter(role=User.Role.PATIENT).aggregate(
        active=Count("pk", filter=Q(state=User.State.ACTIVE)),
        pending=Count("pk", filter=Q(state=User.State.PENDING)),
    )
    rows = (
        appointment_visible_to(user)
        .filter(start__gte=week_lo, start__lt=week_hi)
        .order_by()
        .values("status")
        .annotate(
            week=Count("pk"), today=Count("pk", filter=Q(start__gte=day_lo, start__lt=day_hi))
        )
    )
    by_status = {row["status"]: row for row in rows}
    appointments = [
        AppointmentCounts(
            status=status.value,
            label=str(status.label),
            today=by_status.get(status.value, {}).get("today", 0),
            week=by_status.get(status.value, {}).get("week", 0),
        )
        for status in Appointment.Status
        # A hold lives for minutes; show it only when one is running.
        if status != Appointment.Status.HELD or status.value in by_status
    ]
    return Dashboard(
        today=today,
        week_start=week_start,
        week_end=week_end,
        practitioners_verified=practitioners["verified"],
        practitioners_pending=practitioners["pending"],
        patients_active=patients["active"],
        patients_pending=patients["pending"],
        appointments=appointments,
        appointments_today=sum(c.today for c in appointments),
        appointments_week=sum(c.week for c in appointments),
        messages_new=ContactMessage.objects.filter(handled_at__isnull=True).count(),
    )


def practitioner_registrations_pending(*, user: User) -> QuerySet[Practitioner]:
    """Registrations waiting for a decision: unverified practitioners whose account is not
    suspended, oldest first."""
    if not _is_staff(user):
        return Practitioner.objects.none()
    return (
        Practitioner.objects.filter(verified_at__isnull=True)
        .exclude(user__state=User.State.SUSPENDED)
        .select_related("user")
        .prefetch_related("specialties", "languages")
        .order_by("user__date_joined", "pk")
    )


@dataclass
class RejectedRegistration:
    practitioner: Practitioner
    reason: str
    at: datetime | None


def practitioner_registrations_rejected(
    *, user: User, limit: int = 20
) -> list[RejectedRegistration]:
    """Rejected registrations, newest accounts first, each with the reason staff gave."""
    if not _is_staff(user):
        return []
    practitioners = list(
        Practitioner.objects.filter(verified_at__isnull=True, user__state=User.State.SUSPENDED)
        .select_related("user")
        .order_by("-user__date_joined", "-pk")[:limit]
    )
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Practitioner),
        object_id__in=[str(p.pk) for p in practitioners],
        action_flag=CHANGE,
        change_message__startswith=REGISTRATION_REJECTED,
    ).order_by("action_time")
    latest = {entry.object_id: entry for entry in entries}
    out = []
    for p in practitioners:
        entry = latest.get(str(p.pk))
        reason = entry.change_message.removeprefix(REGISTRATION_REJECTED) if entry else ""
        out.append(RejectedRegistration(p, reason, entry.action_time if entry else None))
    return out


def user_search(*, user: User, q: str = "", role: str = "", state: str = "") -> QuerySet[User]:
    """Every account, filtered by name or email, role and state; staff only."""
    if not _is_staff(user):
        return User.objects.none()
    qs = User.objects.select_related("practitioner")
    if q:
        qs = qs.filter(Q(full_name__icontains=q) | Q(email__icontains=q))
    if role:
        qs = qs.filter(role=role)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("full_name", "pk")


def contact_message_list(*, user: User, only_new: bool = False) -> QuerySet[ContactMessage]:
    """Contact-form messages, newest first; staff only."""
    if not _is_staff(user):
        return ContactMessage.objects.none()
    qs = ContactMessage.objects.order_by("-created_at", "-pk")
    if only_new:
        qs = qs.filter(handled_at__isnull=True)
    return qs


def appointment_list_for_office(
    *,
    user: User,
    first_day: date | None = None,
    last_day: date | None = None,
    practitioner_id: int | None = None,
    status: str = "",
    patient_q: str = "",
) -> QuerySet[Appointment]:
    """Appointments in the clinic-zone days first_day..last_day with the other filters."""
    if not _is_staff(user):
        return Appointment.objects.none()
    start, end = clinic_range(first_day, last_day)
    return appointment_search(
        user=user,
        status=status,
        practitioner_id=practitioner_id,
        patient_q=patient_q,
        start=start,
        end=end,
    ).order_by("start", "pk")


def practitioner_for_office(*, user: User) -> QuerySet[Practitioner]:
    """Every practitioner, verified or not, with what the office shows of them; staff only."""
    if not _is_staff(user):
        return Practitioner.objects.none()
    return Practitioner.objects.select_related("user").prefetch_related(
        "specialties",
        "languages",
        "services",
        Prefetch("windows", queryset=AvailabilityWindow.objects.select_related("location")),
    )


def security_event_search(
    *,
    user: User,
    kind: str = "",
    who: str = "",
    door: str = "",
    first_day: date | None = None,
    last_day: date | None = None,
) -> QuerySet[SecurityEvent]:
    """The security log for staff, newest first, in the clinic-zone days first..last; `who`
    matches the email typed or the account's name or email."""
    if not _is_staff(user):
        return SecurityEvent.objects.none()
    start, end = clinic_range(first_day, last_day)
    qs = SecurityEvent.objects.select_related("user")
    if who:
        qs = qs.filter(
            Q(email__icontains=who)
            | Q(user__full_name__icontains=who)
            | Q(user__email__icontains=who)
        )
    return filter_given(qs, kind=kind, door=door, at__gte=start, at__lt=end).order_by("-at", "-pk")


def report_filters(data: dict) -> ReportFilters:
    """The report filters a valid ReportForm chose."""
    return ReportFilters(
        location_id=data["location"].pk if data.get("location") else None,
        practitioner_id=data["practitioner"].pk if data.get("practitioner") else None,
        specialty=data["specialty"].slug if data.get("specialty") else "",
        service_id=data["service"].pk if data.get("service") else None,
    )


def office_report(data: dict) -> dict:
    """The reports page's tables from a valid ReportForm's data."""
    (start, end), group_by = data["range"], data["group_by"]
    return report_summary(start=start, end=end, group_by=group_by, filters=report_filters(data))


def office_report_section(section: str, data: dict) -> dict:
    """One of the sections the reports page loads after its first answer."""
    (start, end) = data["range"]
    return SECTIONS[section](start=start, end=end, filters=report_filters(data))
