"""The clinic office: staff verify registrations, manage accounts and watch the calendar."""

from datetime import timedelta
from functools import partial
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carebook.accounts import mfa
from carebook.accounts import services as account_services
from carebook.accounts.credentials import credentials_revoke
from carebook.accounts.models import User
from carebook.accounts.selectors import DESK_PATIENT, desk_patient, patient_find
from carebook.booking import services as booking_services
from carebook.booking.availability import next_free_slots
from carebook.booking.day_grid import day_grid, parse_day
from carebook.clinic import services as clinic_services
from carebook.clinic.models import Location
from carebook.clinic.selectors import practitioner_locations
from carebook.core.decorators import staff_required
from carebook.core.doors import attempt, next_url, paginate
from carebook.core.errors import DomainError
from carebook.core.security_log import SecurityEvent, security_event
from carebook.core.timeutils import now as utcnow
from carebook.office import selectors
from carebook.office.forms import (
    AppointmentFilterForm,
    PractitionerCreateForm,
    RejectForm,
    UserFilterForm,
    WalkInForm,
)
from carebook.office.security_log_forms import SecurityLogFilterForm
from carebook.reports import exports
from carebook.reports.forms import ReportForm
from carebook.reports.summary import SECTION_TEMPLATES
from carebook.scheduling import onboarding

PER_PAGE = 25
NEW_PASSWORD = "office_new_password"


@staff_required
def dashboard(request):
    board = selectors.dashboard_for(user=request.user, now=utcnow())
    return render(request, "office/dashboard.html", {"board": board})


def _reject_form(pk: int, data=None) -> RejectForm:
    # One reject form per card: ids must differ between cards.
    return RejectForm(data, auto_id=f"id_reject{pk}_%s")


def _registrations_page(request, *, invalid: RejectForm | None = None, pk=None, status=200):
    pending = list(selectors.practitioner_registrations_pending(user=request.user))
    for p in pending:
        p.reject_form = invalid if p.pk == pk else _reject_form(p.pk)
    return render(
        request,
        "office/registrations.html",
        {
            "pending": pending,
            "rejected": selectors.practitioner_registrations_rejected(user=request.user),
        },
        status=status,
    )


@staff_required
def registrations(request):
    return _registrations_page(request)


def _pending_practitioner(request, pk: int):
    return get_object_or_404(selectors.practitioner_registrations_pending(user=request.user), pk=pk)


@staff_required
@require_POST
@mfa.step_up_required
def registration_verify(request, pk: int):
    practitioner = _pending_practitioner(request, pk)
    attempt(
        request,
        lambda: clinic_services.practitioner_verify(practitioner=practitioner, by=request.user),
        _("%(name)s is verified and now appears in search.") % {"name": practitioner.display_name},
    )
    return redirect("office:registrations")


@staff_required
@require_POST
@mfa.step_up_required
def registration_reject(request, pk: int):
    practitioner = _pending_practitioner(request, pk)
    form = _reject_form(practitioner.pk, request.POST)
    if not form.is_valid():
        return _registrations_page(request, invalid=form, pk=practitioner.pk, status=400)
    reason = form.cleaned_data["reason"]
    attempt(
        request,
        lambda: clinic_services.practitioner_registration_reject(
            practitioner=practitioner, by=request.user, reason=reason
        ),
        _("The registration of %(name)s is rejected and the account suspended. Reason: %(r)s")
        % {"name": practitioner.display_name, "r": reason},
    )
    return redirect("office:registrations")


@staff_required
def users(request):
    form = UserFilterForm(request.GET or None)
    page, query = paginate(
        request, selectors.user_search(user=request.user, **form.filters()), PER_PAGE
    )
    return render(
        request,
        "office/users.html",
        {"form": form, "page": page, "query": query, "here": request.get_full_path()},
    )


def _user_action(request, pk: int, action, done: str):
    target = get_object_or_404(selectors.user_search(user=request.user), pk=pk)
    attempt(
        request, lambda: action(user=target, by=request.user), done % {"name": target.full_name}
    )
    return redirect(next_url(request, reverse("office:users")))


@staff_required
@require_POST
@mfa.step_up_required
def user_approve(request, pk: int):
    return _user_action(request, pk, account_services.user_approve, _("%(name)s is approved."))


@staff_required
@require_POST
@mfa.step_up_required
def user_suspend(request, pk: int):
    return _user_action(
        request, pk, account_services.user_suspend, _("%(name)s is suspended and cannot log in.")
    )


@staff_required
@require_POST
@mfa.step_up_required
def user_reactivate(request, pk: int):
    return _user_action(
        request, pk, account_services.user_reactivate, _("%(name)s can log in again.")
    )


@staff_required
@require_POST
@mfa.step_up_required
def user_credentials_revoke(request, pk: int):
    return _user_action(
        request,
        pk,
        partial(credentials_revoke, reason="revoked by staff", request=request),
        _("%(name)s is signed out everywhere; their API tokens and calendar feeds are revoked."),
    )


@staff_required
@require_POST
@mfa.step_up_required
def user_mfa_reset(request, pk: int):
    """A lost phone: remove the person's authenticator and recovery codes, end their sessions."""
    target = get_object_or_404(selectors.user_search(user=request.user), pk=pk)
    attempt(
        request,
        lambda: mfa.mfa_reset(user=target, by=request.user, request=request),
        _(
            "Two-factor authentication of %(name)s is reset and their sessions are ended. "
            "They set up a new authenticator at their next login."
        )
        % {"name": target.full_name},
    )
    return redirect(next_url(request, reverse("office:users")))


@staff_required
def contact_messages(request):
    only_new = request.GET.get("show") == "new"
    page, query = paginate(
        request, selectors.contact_message_list(user=request.user, only_new=only_new), PER_PAGE
    )
    return render(
        request,
        "office/messages.html",
        {"page": page, "query": query, "only_new": only_new, "here": request.get_full_path()},
    )


@staff_required
@require_POST
def contact_message_handled(request, pk: int):
    message = get_object_or_404(selectors.contact_message_list(user=request.user), pk=pk)
    attempt(
        request,
        lambda: clinic_services.contact_message_mark_handled(message=message, by=request.user),
        _("Marked as handled."),
    )
    return redirect(next_url(request, reverse("office:messages")))


@staff_required
def appointments(request):
    today = selectors.clinic_today(utcnow())
    # With no filters at all, start from today rather than from the clinic's first visit.
    form = AppointmentFilterForm(request.GET or {"first_day": today.isoformat()})
    found = selectors.appointment_list_for_office(user=request.user, **form.filters())
    page, query = paginate(request, found if form.is_valid() else found.none(), PER_PAGE)
    now = utcnow()
    for a in page.object_list:
        a.can_check_in = booking_services.arrival_refusal(a, "arrived", "staff", now=now) is None
    if not request.GET:
        query = f"first_day={today.isoformat()}"
    return render(
        request,
        "office/appointments.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "clinic_zone": timezone.get_default_timezone_name(),
        },
        status=200 if form.is_valid() else 400,
    )


@staff_required
def day(request):
    """The day at one location: practitioners by time, free, booked, arrived, blocked; book a
    free cell, open a booked one to check in, move or cancel it."""
    locations = list(Location.objects.filter(is_active=True).order_by("city", "name"))
    if not locations:
        return render(request, "office/day.html", {"grid": None, "locations": []})
    chosen = next(
        (loc for loc in locations if str(loc.pk) == request.GET.get("location")), locations[0]
    )
    now = utcnow()
    today = now.astimezone(chosen.tz).date()
    shown = parse_day(request.GET.get("day", ""), today)
    if abs((shown - today).days) > 366:
        shown = today
    grid = day_grid(location=chosen, day=shown, now=now)
    return render(
        request,
        "office/day.html",
        {
            "grid": grid,
            "locations": locations,
            "chosen": chosen,
            "previous": shown - timedelta(days=1),
            "next": shown + timedelta(days=1),
            "today": today,
            "booking_for": _booking_for(request),
        },
    )


@staff_required
@require_POST
def check_in(request, pk: int):
    """The front desk records that the patient is here; the practitioner's Today shows it."""
    appointment = get_object_or_404(selectors.appointment_list_for_office(user=request.user), pk=pk)
    attempt(
        request,
        lambda: booking_services.appointment_check_in(appointment=appointment, by=request.user),
        _("Checked in: %(name)s.") % {"name": appointment.patient.full_name},
    )
    return redirect(next_url(request, reverse("office:appointments")))


@staff_required
def book_for_patient(request):
    """The front desk: find the patient (name, phone in any format, email) or register a
    walk-in, then book for them through the same pages patients use."""
    q = request.GET.get("q", "").strip()[:100]
    walk_in = WalkInForm(request.POST or None)
    if request.method == "POST" and walk_in.is_valid():
        try:
            patient = account_services.walk_in_patient_create(
                by=request.user, **walk_in.cleaned_data
            )
        except DomainError as exc:
            walk_in.add_error(None, exc.message)
        else:
            return _book_for(request, patient)
    return render(
        request,
        "office/book_for_patient.html",
        {
            "q": q,
            "found": patient_find(q=q) if q else [],
            "walk_in": walk_in,
            "booking_for": _booking_for(request),
        },
        status=400 if walk_in.errors else 200,
    )


@staff_required
def patient_search(request):
    """Type-ahead for the front desk: the patients `q` may mean (a fragment)."""
    q = request.GET.get("q", "").strip()[:100]
    return render(request, "office/_patient_results.html", {"q": q, "found": patient_find(q=q)})


@staff_required
@require_POST
def book_for_choose(request, pk: int):
    patient = get_object_or_404(
        User.objects.filter(role=User.Role.PATIENT, state=User.State.ACTIVE), pk=pk
    )
    return _book_for(request, patient)


def _book_for(request, patient):
    """Remember whom the desk books for; the review page names them."""
    request.session[DESK_PATIENT] = patient.pk
    messages.success(
        request,
        _("Booking for %(name)s: pick the practitioner and the time.")
        % {"name": patient.full_name},
    )
    return redirect("directory")


def _booking_for(request):
    return desk_patient(request.session)


@staff_required
def practitioner_create(request):
    form = PractitionerCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            practitioner = onboarding.practitioner_create_by_staff(by=request.user, **data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if form.password_generated:
                request.session[NEW_PASSWORD] = {
                    "pk": practitioner.pk,
                    "password": data["password"],
                }
            messages.success(
                request, _("%(name)s is created.") % {"name": practitioner.display_name}
            )
            return redirect("office:practitioner", practitioner.pk)
    return render(
        request,
        "office/practitioner_create.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@staff_required
def practitioner_detail(request, pk: int):
    practitioner = get_object_or_404(selectors.practitioner_for_office(user=request.user), pk=pk)
    shown = request.session.get(NEW_PASSWORD) or {}
    password = None
    if shown.get("pk") == practitioner.pk:
        # Shown once: the session forgets it as this page renders.
        password = request.session.pop(NEW_PASSWORD)["password"]
    next_slot = next_free_slots(practitioner_ids=[practitioner.pk])[practitioner.pk]
    locations = practitioner_locations([practitioner.pk]).get(practitioner.pk, [])
    return render(
        request,
        "office/practitioner.html",
        {
            "p": practitioner,
            "password": password,
            "next_slot": next_slot,
            "next_slot_location": next(
                (loc for loc in locations if next_slot and loc.pk == next_slot.location_id), None
            ),
        },
    )


@staff_required
def security_log(request):
    form = SecurityLogFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    found = selectors.security_event_search(user=request.user, **form.filters())
    page, query = paginate(request, found if valid else found.none(), PER_PAGE)
    return render(
        request,
        "office/security_log.html",
        {"form": form, "page": page, "query": query},
        status=200 if valid else 400,
    )


def _report_form(request) -> ReportForm:
    """The reports page's form, bound to the query (this month by day when there is none)."""
    form = ReportForm(request.GET or None, today=selectors.clinic_today(utcnow()))
    if not form.is_bound:
        form = ReportForm({"period": "month", "group_by": "day"}, today=form.today)
    form.is_valid()
    return form


def _query(form) -> str:
    return urlencode({k: v for k, v in form.data.items() if v not in (None, "")})


@staff_required
def reports(request):
    """What the clinic did, earned and when patients come: the period beside the one before.
    The slower sections (patients, peak hours) follow in requests of their own."""
    form = _report_form(request)
    if form.errors:
        return render(request, "office/reports.html", {"form": form}, status=400)
    return render(
        request,
        "office/reports.html",
        {
            "form": form,
            "report": selectors.office_report(form.cleaned_data),
            "exports": EXPORT_LABELS,
            "query": _query(form),
            "section_urls": {
                name.replace("-", "_"): reverse("office:reports_section", args=[name])
                for name in SECTION_TEMPLATES
            },
        },
    )


@staff_required
def reports_section(request, section: str):
    """One section of the reports page (htmx swaps it in; without JavaScript, a page)."""
    if section not in SECTION_TEMPLATES:
        raise Http404
    form = _report_form(request)
    if form.errors:
        return render(request, "office/reports.html", {"form": form}, status=400)
    context = {"r": selectors.office_report_section(section, form.cleaned_data)}
    if request.headers.get("HX-Request") == "true":
        return render(request, SECTION_TEMPLATES[section], context)
    return render(
        request,
        "office/report_section.html",
        {**context, "section": SECTION_TEMPLATES[section], "query": _query(form)},
    )


EXPORT_LABELS = [
    ("summary", "appointments per period"),
    ("money", "money per period and currency"),
    ("visits", "patients, cancellations and waits"),
    ("diaries", "diaries"),
    ("breakdowns", "breakdowns"),
    ("peak_hours", "peak hours"),
    ("appointments", "appointments"),
    ("invoices", "invoices"),
    ("invoice_lines", "invoice lines with their tax"),
    ("credit_notes", "credit notes"),
]


@staff_required
@mfa.step_up_required
def reports_export(request, kind: str):
    """One report, or the rows behind it, as CSV for the accountant; logged."""
    form = ReportForm(request.GET or None, today=selectors.clinic_today(utcnow()))
    if kind not in exports.KINDS or not form.is_bound or not form.is_valid():
        raise Http404
    data = form.cleaned_data
    (start, end), group_by = data["range"], data["group_by"]
    security_event(
        kind=SecurityEvent.Kind.DATA_EXPORTED,
        user=request.user,
        request=request,
        detail=f"report {kind}, {start}..{end}",
    )
    response = StreamingHttpResponse(
        exports.csv_lines(
            kind, start=start, end=end, group_by=group_by, filters=selectors.report_filters(data)
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="carebook-{kind}-{start}-{end}.csv"'
    return response
