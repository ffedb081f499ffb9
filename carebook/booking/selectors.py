"""Reads of appointments, always filtered to what the acting user may see."""

from django.db.models import Q, QuerySet

from carebook.accounts.models import User
from carebook.booking.models import Appointment


def appointment_visible_to(user: User) -> QuerySet[Appointment]:
    """Every appointment `user` may see: staff all, a practitioner theirs, a patient their own."""
    qs = Appointment.objects.select_related("patient", "practitioner__user", "location", "service")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_staff:
        return qs
    if user.is_practitioner:
        return qs.filter(practitioner__user=user)
    if user.is_patient:
        return qs.filter(patient=user)
    return qs.none()


def appointment_get_for(*, user: User, pk: int) -> Appointment | None:
    """One appointment if `user` may see it, else None (callers answer 404)."""
    return appointment_visible_to(user).filter(pk=pk).first()


def appointment_list_for_patient(*, user: User, upcoming: bool, now) -> QuerySet[Appointment]:
    qs = appointment_visible_to(user).filter(patient=user)
    if upcoming:
        return qs.filter(end__gte=now).order_by("start")
    return qs.filter(end__lt=now).order_by("-start")


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
    *, user: User, status: str = "", practitioner_id=None, patient_q: str = "", start=None, end=None
) -> QuerySet[Appointment]:
    qs = appointment_visible_to(user)
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
