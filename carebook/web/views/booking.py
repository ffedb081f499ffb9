"""The booking flow of the public pages: book a slot, see, cancel and move appointments."""

from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carebook.accounts.selectors import desk_patient
from carebook.billing.selectors import booking_policy, price_quote
from carebook.booking import services
from carebook.booking.availability import slots_free
from carebook.booking.picker import picker_from_params
from carebook.booking.selectors import appointment_get_for, patient_visits
from carebook.booking.status import action_refusal, allowed_actions, cutoff_hours_of
from carebook.clinic.models import Service
from carebook.clinic.selectors import practitioner_locations, practitioners_bookable
from carebook.core.errors import DomainError, SlotUnavailable
from carebook.core.timeutils import now as utcnow
from carebook.web.forms import BookingForm, ReasonForm


class _SlotRequest:
    """The practitioner, service, location and start a booking link names, checked to exist."""

    def __init__(self, params):
        try:
            practitioner_id = int(params.get("practitioner", ""))
            service_id = int(params.get("service", ""))
            location_id = int(params.get("location", ""))
            self.start = datetime.fromisoformat(params.get("start", ""))
        except (TypeError, ValueError) as exc:
            raise Http404 from exc
        if self.start.tzinfo is None:
            raise Http404
        self.practitioner = get_object_or_404(
            practitioners_bookable().select_related("user"), pk=practitioner_id
        )
        self.service = get_object_or_404(
            Service, pk=service_id, practitioner=self.practitioner, is_active=True
        )
        works_at = practitioner_locations([practitioner_id]).get(practitioner_id, [])
        self.location = next((loc for loc in works_at if loc.pk == location_id), None)
        if self.location is None:
            raise Http404

    @property
    def local_start(self):
        return self.start.astimezone(self.location.tz)

    def alternatives(self, limit: int = 6):
        day = self.local_start.date()
        slots = slots_free(
            practitioner=self.practitioner,
            service=self.service,
            start_date=day,
            end_date=day + timedelta(days=6),
            location=self.location,
        )
        return slots[:limit]


def _booking_context(slot_request, form, patient=None, **extra):
    """The review page: the visit, its full price with each tax, and the policy in words."""
    return {
        "req": slot_request,
        "form": form,
        "p": slot_request.practitioner,
        "quote": price_quote(
            fee=slot_request.service.effective_price,
            service=slot_request.service,
            location=slot_request.location,
            patient=patient if patient is not None and patient.is_patient else None,
        ),
        "policy": booking_policy(slot_request.practitioner),
        **extra,
    }


def _desk_patient(request) -> str:
    """The patient the front desk chose (office: book for a patient), as the form names them."""
    patient = desk_patient(request.session)
    if patient is None:
        return ""
    return patient.email if patient.has_mailbox else patient.phone


def book(request):
    """Review a slot, then book it. A taken slot gets a friendly message and fresh alternatives."""
    slot_request = _SlotRequest(request.GET if request.method == "GET" else request.POST)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.get_full_path()}")
    user = request.user
    if not (user.is_patient or user.is_staff):
        messages.error(request, _("Only patients and clinic staff can book appointments."))
        return redirect("practitioner", slot_request.practitioner.pk)
    if user.is_patient and not user.is_approved:
        return redirect("pending")
    form = BookingForm(
        request.POST or None,
        modes=slot_request.practitioner.visit_modes,
        staff=user.is_staff,
        initial={"patient": _desk_patient(request)} if user.is_staff else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            appointment = services.appointment_book(
                patient=form.cleaned_data.get("patient") or user,
                practitioner=slot_request.practitioner,
                service=slot_request.service,
                location=slot_request.location,
                start=slot_request.start,
                mode=form.cleaned_data["mode"],
                reason=form.cleaned_data["reason"],
                by=user,
            )
        except SlotUnavailable as exc:
            return render(
                request,
                "booking/book.html",
                _booking_context(
                    slot_request, form, taken=exc.message, alternatives=slot_request.alternatives()
                ),
                status=409,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if appointment.payment_due and appointment.status == appointment.Status.HELD:
                return redirect("billing:pay", appointment.pk)
            return redirect("appointment_done", appointment.pk)
    offered = (
        any(
            s.start == slot_request.start
            for s in slots_free(
                practitioner=slot_request.practitioner,
                service=slot_request.service,
                start_date=slot_request.local_start.date(),
                end_date=slot_request.local_start.date(),
                location=slot_request.location,
            )
        )
        if request.method == "GET"
        else True
    )
    context = _booking_context(slot_request, form, patient=user)
    if not offered:
        context.update(
            taken=_("Sorry, that time was just taken or is no longer bookable."),
            alternatives=slot_request.alternatives(),
        )
    return render(request, "booking/book.html", context, status=400 if form.errors else 200)


@login_required
def appointment_done(request, pk: int):
    appointment = appointment_get_for(user=request.user, pk=pk)
    if appointment is None:
        raise Http404
    return render(request, "booking/done.html", {"a": appointment})


@login_required
def my_appointments(request):
    if not request.user.is_patient:
        raise Http404
    now = utcnow()
    visits = patient_visits(user=request.user, now=now)
    for a in visits.upcoming:
        a.actions = allowed_actions(a, request.user, now=now)
        if a.is_active and "cancel" not in a.actions:
            a.cancel_note = action_refusal(a, request.user, "cancel", now=now)
    return render(request, "booking/my_appointments.html", {"visits": visits})


@login_required
def appointment_detail(request, pk: int):
    appointment = appointment_get_for(user=request.user, pk=pk)
    if appointment is None:
        raise Http404
    history = appointment.history.select_related("by")
    return render(
        request,
        "booking/detail.html",
        {
            "a": appointment,
            "moved_to": getattr(appointment, "rescheduled_to", None),
            "policy": booking_policy(appointment.practitioner),
            "history": history,
            "actions": allowed_actions(appointment, request.user),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def appointment_cancel(request, pk: int):
    appointment = appointment_get_for(user=request.user, pk=pk, door="")
    if appointment is None:
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.appointment_cancel(appointment=appointment, by=request.user, reason=reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The appointment is cancelled."))
    back = request.POST.get("back", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("appointment", args=[pk])
    return redirect(back)


@login_required
def reschedule(request, pk: int):
    """Pick a new time for an appointment; the old time is released in the same step."""
    appointment = appointment_get_for(user=request.user, pk=pk)
    if appointment is None:
        raise Http404
    if "start" not in request.GET and request.method == "GET":
        params = request.GET.copy()
        params.setdefault("service", str(appointment.service_id))
        params.setdefault("location", str(appointment.location_id))
        picker, _services, _locations = picker_from_params(
            practitioner=appointment.practitioner, params=params
        )
        if picker:
            picker.reschedule_id = appointment.pk
        return render(request, "booking/reschedule.html", {"a": appointment, "picker": picker})
    slot_request = _SlotRequest(request.GET if request.method == "GET" else request.POST)
    if slot_request.practitioner.pk != appointment.practitioner_id:
        raise Http404
    if request.method == "POST":
        try:
            new = services.appointment_reschedule(
                appointment=appointment,
                start=slot_request.start,
                location=slot_request.location,
                service=slot_request.service,
                by=request.user,
            )
        except SlotUnavailable as exc:
            return render(
                request,
                "booking/reschedule_confirm.html",
                {
                    "a": appointment,
                    "req": slot_request,
                    "taken": exc.message,
                    "alternatives": slot_request.alternatives(),
                },
                status=409,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("appointment", appointment.pk)
        messages.success(request, _("Your appointment is moved."))
        return redirect("appointment", new.pk)
    cutoff = cutoff_hours_of(appointment.practitioner)
    locked_in = request.user.is_patient and slot_request.start < utcnow() + timedelta(hours=cutoff)
    return render(
        request,
        "booking/reschedule_confirm.html",
        {"a": appointment, "req": slot_request, "locked_in": locked_in, "cutoff": cutoff},
    )
