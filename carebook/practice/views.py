"""The practitioner's workspace: their day, week, calendar set-up, services, profile, patients.

Every view answers 404 to anyone but a practitioner, and reads only that practitioner's rows.
"""

from copy import copy
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from carebook.booking import services as booking
from carebook.clinic import services as clinic
from carebook.clinic.selectors import practitioner_for
from carebook.core.decorators import role_required
from carebook.core.doors import attempt
from carebook.core.errors import DomainError
from carebook.core.timeutils import age_on, zone
from carebook.core.timeutils import now as utcnow
from carebook.practice import selectors
from carebook.practice.forms import (
    ProfileForm,
    ReasonForm,
    RulesForm,
    ServiceForm,
    TimeOffForm,
    WindowForm,
)
from carebook.reports.forms import OwnReportForm
from carebook.reports.selectors import ReportFilters
from carebook.reports.summary import SECTION_TEMPLATES, SECTIONS, report_summary
from carebook.scheduling import services as scheduling
from carebook.scheduling.models import BookingRules, Weekday


def _attach_practitioner(request) -> None:
    request.practitioner = practitioner_for(user=request.user)
    if request.practitioner is None:
        raise Http404


# Log in first; then only a practitioner gets in (everyone else 404), with request.practitioner.
practitioner_required = role_required(
    lambda user: user.is_practitioner, attach=_attach_practitioner
)


def _page(request, template, nav, context=None, status=200):
    context = {"practitioner": request.practitioner, "nav": nav, **(context or {})}
    return render(request, template, context, status=status)


def _form_page(request, template, nav, form, context=None):
    """A page with a form; 400 when the form was sent back with errors."""
    context = {"form": form, **(context or {})}
    return _page(request, template, nav, context, status=400 if form.errors else 200)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _own(obj):
    """The practitioner's own row a selector found, or 404."""
    if obj is None:
        raise Http404
    return obj


def _submitted(request, form, save, done: str, back: str):
    """On a valid POST, hand the cleaned data to `save` (a service call) and redirect to `back`;
    a refusal becomes the form's error. None when the page should be shown (again)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        save(dict(form.cleaned_data))
    except DomainError as exc:
        form.add_error(None, exc.message)
        return None
    messages.success(request, done)
    return redirect(back)


# --- Today ---------------------------------------------------------------------------------

ACTIONS = {
    "confirm": (booking.appointment_confirm, gettext_lazy("Approved: %(who)s, %(when)s.")),
    "reject": (booking.appointment_reject, gettext_lazy("Rejected: %(who)s, %(when)s.")),
    "complete": (booking.appointment_complete, gettext_lazy("Completed: %(who)s, %(when)s.")),
    "no_show": (booking.appointment_mark_no_show, gettext_lazy("No-show: %(who)s, %(when)s.")),
    "cancel": (booking.appointment_cancel, gettext_lazy("Cancelled: %(who)s, %(when)s.")),
    "arrived": (booking.appointment_check_in, gettext_lazy("Checked in: %(who)s, %(when)s.")),
    "consultation": (
        booking.appointment_consultation_start,
        gettext_lazy("In consultation: %(who)s, %(when)s."),
    ),
}
NEEDS_REASON = ("reject", "cancel")
WHERES = ("pending", "day", "page")


def _today_context(request) -> dict:
    now = utcnow()
    board = selectors.today_board(user=request.user, now=now)
    for a in board.pending:
        a.reject_form = ReasonForm(action="reject", where="pending", pk=a.pk)
    for segment in board.segments:
        for a in segment.items:
            a.can_record = a.status == a.Status.CONFIRMED and a.start <= now
            party = "practitioner"
            a.can_check_in = booking.arrival_refusal(a, "arrived", party, now=now) is None
            a.can_call_in = booking.arrival_refusal(a, "consultation", party, now=now) is None
            if a.status in a.ACTIVE_STATUSES:
                a.cancel_form = ReasonForm(action="cancel", where="day", pk=a.pk)
    home = selectors.home_zone(practitioner=request.practitioner)
    return {
        "board": board,
        "home_zone": home,
        "today": now.astimezone(zone(home)).date(),
        "gaps": selectors.setup_gaps(practitioner=request.practitioner),
    }


@practitioner_required
def today(request):
    return _page(request, "practice/today.html", "today", _today_context(request))


def _when(appointment) -> str:
    return date_format(appointment.local_start.replace(tzinfo=None), "D j M, H:i")


@practitioner_required
def appointment_act(request, pk: int, action: str):
    """Approve, reject, complete, mark a no-show or cancel one of the practitioner's visits.

    A plain form post redirects back to Today; an htmx post gets the refreshed board.
    """
    if action not in ACTIONS:
        raise Http404
    appointment = _own(selectors.appointment_of(user=request.user, pk=pk))
    service, done = ACTIONS[action]
    extra = {}
    if action in NEEDS_REASON:
        where = request.POST.get("where", "page")
        where = where if where in WHERES else "page"
        form = ReasonForm(
            request.POST if request.method == "POST" else None,
            action=action,
            where=where,
            pk=appointment.pk,
        )
        if request.method != "POST" or not form.is_valid():
            return _reason_page(request, appointment, form)
        extra["reason"] = form.cleaned_data["reason"]
    elif request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    attempt(
        request,
        lambda: service(appointment=appointment, by=request.user, **extra),
        done % {"who": appointment.patient.full_name, "when": _when(appointment)},
    )
    if _is_htmx(request):
        return _page(request, "practice/_board.html", "today", _today_context(request))
    return redirect("practice:today")


def _reason_page(request, appointment, form):
    if _is_htmx(request) and form.where != "page":
        # Put the form back where it was, with its error next to the field.
        response = render(request, "practice/_reason_form.html", {"a": appointment, "form": form})
        response["HX-Retarget"] = f"#{form.dom_id}"
        response["HX-Reswap"] = "outerHTML"
        return response
    status = 400 if form.is_bound else 200
    return _page(request, "practice/reason.html", "today", {"a": appointment, "form": form}, status)


# --- Week ----------------------------------------------------------------------------------


@practitioner_required
def week(request):
    home = selectors.home_zone(practitioner=request.practitioner)
    today = utcnow().astimezone(zone(home)).date()
    try:
        asked = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        asked = today
    first = asked - timedelta(days=asked.weekday())
    include_closed = request.GET.get("all") == "1"
    days = selectors.week_appointments(
        user=request.user, first_day=first, include_closed=include_closed
    )
    return _page(
        request,
        "practice/week.html",
        "week",
        {
            "days": days,
            "first": first,
            "last": first + timedelta(days=6),
            "prev": first - timedelta(days=7),
            "next": first + timedelta(days=7),
            "this_week": today - timedelta(days=today.weekday()),
            "today": today,
            "home_zone": home,
            "include_closed": include_closed,
            "count": sum(len(d.items) for d in days),
        },
    )


# --- Availability --------------------------------------------------------------------------


@practitioner_required
def availability(request):
    form = WindowForm(request.POST or None)
    if done := _submitted(
        request,
        form,
        lambda data: scheduling.availability_windows_create(
            practitioner=request.practitioner, by=request.user, **data
        ),
        _("Your weekly hours are saved."),
        "practice:availability",
    ):
        return done
    windows = list(selectors.windows_of(user=request.user))
    days = [(day, [w for w in windows if w.weekday == day.value]) for day in Weekday]
    return _form_page(
        request,
        "practice/availability.html",
        "availability",
        form,
        {"days": days, "has_windows": bool(windows)},
    )


@practitioner_required
@require_POST
def window_delete(request, pk: int):
    window = _own(selectors.window_of(user=request.user, pk=pk))
    attempt(
        request,
        lambda: scheduling.availability_window_delete(window=window, by=request.user),
        _("Removed %(window)s.") % {"window": window},
    )
    return redirect("practice:availability")


# --- Time off ------------------------------------------------------------------------------


@practitioner_required
def time_off(request):
    form = TimeOffForm(request.POST or None)

    def create(data):
        created = scheduling.time_off_create(
            practitioner=request.practitioner,
            start=data["start_utc"],
            end=data["end_utc"],
            reason=data["reason"],
            by=request.user,
        )
        still_booked = selectors.active_visits_during(
            user=request.user, start=created.start, end=created.end
        )
        if still_booked:
            messages.warning(
                request,
                _(
                    "%(n)d booked visit(s) fall in this time off and are still booked: "
                    "cancel or reschedule them from the week view."
                )
                % {"n": still_booked},
            )

    if done := _submitted(
        request,
        form,
        create,
        _("Time off added. Patients cannot book you then."),
        "practice:time_off",
    ):
        return done
    return _form_page(
        request,
        "practice/time_off.html",
        "time_off",
        form,
        {
            "items": selectors.time_off_of(user=request.user, since=utcnow()),
            "home_zone": selectors.home_zone(practitioner=request.practitioner),
        },
    )


@practitioner_required
@require_POST
def time_off_delete(request, pk: int):
    item = _own(selectors.time_off_get(user=request.user, pk=pk))
    attempt(
        request,
        lambda: scheduling.time_off_delete(time_off=item, by=request.user),
        _("Time off removed."),
    )
    return redirect("practice:time_off")


# --- Booking rules -------------------------------------------------------------------------


@practitioner_required
def rules(request):
    current = selectors.rules_of(practitioner=request.practitioner)
    form = RulesForm(
        request.POST or None, instance=current or BookingRules(practitioner=request.practitioner)
    )
    if done := _submitted(
        request,
        form,
        lambda data: scheduling.booking_rules_update(
            practitioner=request.practitioner, by=request.user, **data
        ),
        _("Your booking rules are saved."),
        "practice:rules",
    ):
        return done
    return _form_page(request, "practice/rules.html", "rules", form)


# --- Services ------------------------------------------------------------------------------


@practitioner_required
def services(request):
    form = ServiceForm(request.POST or None, fee=request.practitioner.consultation_fee)
    if done := _submitted(
        request,
        form,
        lambda data: clinic.service_create(
            practitioner=request.practitioner, by=request.user, **data
        ),
        _("Service added."),
        "practice:services",
    ):
        return done
    return _form_page(
        request,
        "practice/services.html",
        "services",
        form,
        {"items": selectors.services_of(user=request.user)},
    )


@practitioner_required
def service_edit(request, pk: int):
    service = _own(selectors.service_of(user=request.user, pk=pk))
    form = ServiceForm(
        request.POST or None,
        instance=copy(service),
        fee=request.practitioner.consultation_fee,
        editing=True,
    )
    if done := _submitted(
        request,
        form,
        lambda data: clinic.service_update(service=service, by=request.user, **data),
        _("Service saved."),
        "practice:services",
    ):
        return done
    return _form_page(request, "practice/service_edit.html", "services", form, {"service": service})


@practitioner_required
@require_POST
def service_toggle(request, pk: int):
    """Deactivate an active service or offer an inactive one again."""
    service = _own(selectors.service_of(user=request.user, pk=pk))
    done = (
        _("%(name)s is no longer offered; booked visits keep it.")
        if service.is_active
        else _("%(name)s is offered again.")
    )
    attempt(
        request,
        lambda: clinic.service_update(
            service=service,
            name=service.name,
            duration_minutes=service.duration_minutes,
            price=service.price,
            is_active=not service.is_active,
            by=request.user,
        ),
        done % {"name": service.name},
    )
    return redirect("practice:services")


# --- Profile -------------------------------------------------------------------------------


@practitioner_required
def profile(request):
    form = ProfileForm(
        request.POST or None, request.FILES or None, instance=copy(request.practitioner)
    )

    def update(data):
        photo = data.pop("photo", None)
        clinic.practitioner_profile_update(
            practitioner=request.practitioner,
            photo=photo or None,
            remove_photo=data.pop("remove_photo", False),
            by=request.user,
            **data,
        )

    if done := _submitted(request, form, update, _("Your profile is saved."), "practice:profile"):
        return done
    return _form_page(request, "practice/profile.html", "profile", form)


# --- Patients ------------------------------------------------------------------------------


@practitioner_required
def patients(request):
    q = request.GET.get("q", "").strip()[:100]
    now = utcnow()
    page = Paginator(selectors.patient_list(user=request.user, q=q, now=now), 20).get_page(
        request.GET.get("page")
    )
    home = selectors.home_zone(practitioner=request.practitioner)
    today = now.astimezone(zone(home)).date()
    for patient in page.object_list:
        profile = selectors.patient_profile(patient)
        patient.age = age_on(profile.date_of_birth if profile else None, today)
    return _page(
        request,
        "practice/patients.html",
        "patients",
        {"page": page, "q": q, "home_zone": home},
    )


@practitioner_required
def patient(request, pk: int):
    """The patient's page; while they have only asked for a visit, the minimal card instead."""
    person = _own(selectors.patient_of(user=request.user, pk=pk, path=request.path))
    profile = selectors.patient_profile(person)
    home = selectors.home_zone(practitioner=request.practitioner)
    today = utcnow().astimezone(zone(home)).date()
    context = {
        "person": person,
        "age": age_on(profile.date_of_birth if profile else None, today),
    }
    if not person.record_open:
        requests = selectors.requests_from(user=request.user, patient=person)
        return _page(
            request, "practice/patient_request.html", "patients", {**context, "requests": requests}
        )
    visits = Paginator(selectors.visits_with(user=request.user, patient=person), 20).get_page(
        request.GET.get("page")
    )
    return _page(
        request,
        "practice/patient.html",
        "patients",
        {**context, "profile": profile, "visits": visits},
    )


def _figures_form(request) -> OwnReportForm:
    home = selectors.home_zone(practitioner=request.practitioner)
    form = OwnReportForm(
        request.GET or {"period": "month", "group_by": "week"},
        today=utcnow().astimezone(zone(home)).date(),
        practitioner=request.practitioner,
    )
    form.is_valid()
    return form


def _own_filters(request, data) -> ReportFilters:
    return ReportFilters(
        practitioner_id=request.practitioner.pk,
        location_id=data["location"].pk if data.get("location") else None,
        service_id=data["service"].pk if data.get("service") else None,
    )


@practitioner_required
def figures(request):
    """The practitioner's own figures: their diary, visits, no-shows and the money of their
    visits, for a period beside the one before (patients and peak hours follow)."""
    form = _figures_form(request)
    if form.errors:
        return _form_page(request, "practice/figures.html", "figures", form)
    data = form.cleaned_data
    (start, end), group_by = data["range"], data["group_by"]
    report = report_summary(
        start=start, end=end, group_by=group_by, filters=_own_filters(request, data)
    )
    context = {
        "report": report,
        "own": True,
        "query": urlencode({k: v for k, v in form.data.items() if v not in (None, "")}),
        "section_urls": {
            name.replace("-", "_"): reverse("practice:figures_section", args=[name])
            for name in SECTION_TEMPLATES
        },
    }
    return _form_page(request, "practice/figures.html", "figures", form, context)


@practitioner_required
def figures_section(request, section: str):
    """One section of My figures (htmx swaps it in; without JavaScript, a page)."""
    if section not in SECTION_TEMPLATES:
        raise Http404
    form = _figures_form(request)
    if form.errors:
        return _form_page(request, "practice/figures.html", "figures", form)
    (start, end) = form.cleaned_data["range"]
    figures = SECTIONS[section](
        start=start, end=end, filters=_own_filters(request, form.cleaned_data)
    )
    if _is_htmx(request):
        return render(request, SECTION_TEMPLATES[section], {"r": figures, "own": True})
    return _page(
        request,
        "practice/figures_section.html",
        "figures",
        {"r": figures, "own": True, "section": SECTION_TEMPLATES[section]},
    )
