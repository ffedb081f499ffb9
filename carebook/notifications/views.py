from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carebook.clinic.models import Clinic
from carebook.core.decorators import staff_required
from carebook.core.doors import attempt, next_url, paginate
from carebook.core.errors import DomainError
from carebook.core.timeutils import now as utcnow
from carebook.notifications import ics, selectors, services
from carebook.notifications.forms import (
    DeliveryFilterForm,
    PreferencesForm,
    ReminderSettingsForm,
    offsets_to_text,
)

NEW_FEED_TOKEN = "notifications_new_feed_token"


@login_required
def notification_list(request):
    page, query = paginate(request, selectors.notifications_for(user=request.user), 20)
    return render(request, "notifications/list.html", {"page": page, "query": query})


@require_POST
@login_required
def notification_open(request, pk: int):
    """Mark a notification read and go where it points."""
    notification = get_object_or_404(selectors.notifications_for(user=request.user), pk=pk)
    services.notification_mark_read(notification=notification, user=request.user)
    target = notification.link
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@require_POST
@login_required
def notifications_read_all(request):
    services.notifications_mark_all_read(user=request.user)
    return redirect("notifications:list")


@login_required
def preferences(request):
    user = request.user
    current = selectors.preferences_for(user=user)
    form = PreferencesForm(
        request.POST or None,
        patient=user.is_patient,
        initial={"email": current.email, "sms": current.sms},
    )
    if request.method == "POST" and form.is_valid():
        services.preferences_update(
            user=user, email=form.cleaned_data["email"], sms=form.cleaned_data.get("sms", False)
        )
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notifications:preferences")
    return render(
        request, "notifications/preferences.html", {"form": form, "has_phone": bool(user.phone)}
    )


def _feed_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("notifications:feed", args=[token]))


@login_required
def calendar(request):
    """The private calendar feed: make a URL, replace it, or turn it off."""
    user = request.user
    can_have_feed = user.is_patient or user.is_practitioner
    if request.method == "POST":
        if not can_have_feed:
            raise Http404
        try:
            if request.POST.get("action") == "revoke":
                services.calendar_token_revoke(user=user)
                messages.success(request, _("Your calendar feed is turned off."))
            else:
                request.session[NEW_FEED_TOKEN] = services.calendar_token_issue(user=user)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("notifications:calendar")
    token = request.session.pop(NEW_FEED_TOKEN, None)
    url = _feed_url(request, token) if token else ""
    return render(
        request,
        "notifications/calendar.html",
        {
            "can_have_feed": can_have_feed,
            "live": selectors.calendar_token_live(user=user) if can_have_feed else None,
            "feed_url": url,
            "webcal_url": url.replace("https://", "webcal://", 1).replace(
                "http://", "webcal://", 1
            ),
        },
    )


@require_GET
def calendar_feed(request, token: str):
    """The feed itself, for calendar apps: no login, the secret URL is the key."""
    found = selectors.calendar_token_find(token=token)
    if found is None:
        raise Http404
    owner = found.user
    body = ics.feed(
        owner=owner,
        appointments=selectors.feed_appointments(user=owner),
        clinic=Clinic.current(),
        now=utcnow(),
    )
    services.calendar_token_used(token=found)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="carebook.ics"'
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@staff_required
def deliveries(request):
    """What was sent to whom, when, on which channel; failures with their error."""
    form = DeliveryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.deliveries_for_staff(
        user=request.user, status=filters.get("status", ""), channel=filters.get("channel", "")
    )
    page, query = paginate(request, qs, 50)
    return render(
        request,
        "notifications/deliveries.html",
        {"form": form, "page": page, "query": query, "here": request.get_full_path()},
    )


@require_POST
@staff_required
def delivery_retry(request, pk: int):
    delivery = get_object_or_404(selectors.deliveries_for_staff(user=request.user), pk=pk)
    attempt(
        request,
        lambda: services.delivery_retry(delivery=delivery, by=request.user),
        _("The message is queued to be sent again."),
    )
    return redirect(next_url(request, reverse("notifications:deliveries")))


@staff_required
def reminder_settings(request):
    form = ReminderSettingsForm(
        request.POST or None,
        initial={"offsets": offsets_to_text(selectors.reminder_offsets())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reminder_offsets_update(minutes=form.cleaned_data["offsets"], by=request.user)
        except DomainError as exc:
            form.add_error("offsets", exc.message)
        else:
            messages.success(request, _("Reminder times saved."))
            return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})
