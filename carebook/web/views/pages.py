"""The public pages: home, about, contact, the directory and a practitioner's page."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from carebook.accounts.throttle import RateLimited
from carebook.billing.selectors import price_quote
from carebook.booking.directory import practitioner_profile, practitioner_search
from carebook.booking.picker import picker_from_params
from carebook.clinic.forms import ContactForm
from carebook.clinic.models import Specialty
from carebook.clinic.selectors import practitioners_bookable
from carebook.clinic.services import contact_message_create
from carebook.records.selectors import reviews_for_practitioner
from carebook.web.cards import card_html
from carebook.web.forms import DirectoryForm


def home(request):
    return render(
        request,
        "clinic/home.html",
        {"specialties": Specialty.objects.all(), "form": DirectoryForm()},
    )


def about(request):
    return render(request, "clinic/about.html")


def contact(request):
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_message_create(**form.cleaned_data, request=request)
        except RateLimited as exc:
            form.add_error(None, exc.message)
            response = render(request, "clinic/contact.html", {"form": form}, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        messages.success(request, _("Thank you. The clinic will get back to you soon."))
        return redirect("contact")
    return render(
        request, "clinic/contact.html", {"form": form}, status=400 if form.errors else 200
    )


@require_GET
def directory(request):
    form = DirectoryForm(request.GET or None)
    page_number = request.GET.get("page") or 1
    page, entries = practitioner_search(filters=form.filters(), page=page_number)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinic/directory.html",
        {
            "form": form,
            "page": page,
            "entries": entries,
            "cards": [card_html(entry) for entry in entries],
            "query": query.urlencode(),
        },
    )


def _quote(picker, user):
    """The full price of the picked visit, before a slot is chosen."""
    if picker is None:
        return None
    return price_quote(
        fee=picker.service.effective_price,
        service=picker.service,
        location=picker.location,
        patient=user if user.is_authenticated and user.is_patient else None,
    )


def practitioner_detail(request, pk: int):
    profile = practitioner_profile(pk=pk)
    if profile is None:
        raise Http404
    picker, services, locations = picker_from_params(
        practitioner=profile.practitioner, params=request.GET, locations=profile.locations
    )
    return render(
        request,
        "clinic/practitioner.html",
        {
            "p": profile.practitioner,
            "profile": profile,
            "picker": picker,
            "quote": _quote(picker, request.user),
            "services": services,
            "locations": locations,
            "reviews": reviews_for_practitioner(practitioner_id=pk),
        },
    )


@require_GET
def slot_picker(request, pk: int):
    """The picker fragment; 204 when the caller's version is still current (nothing to swap)."""
    practitioner = get_object_or_404(practitioners_bookable().select_related("user"), pk=pk)
    picker, _services, _locations = picker_from_params(
        practitioner=practitioner, params=request.GET
    )
    if picker is None:
        raise Http404
    reschedule = request.GET.get("reschedule", "")
    picker.reschedule_id = int(reschedule) if reschedule.isdigit() else None
    if request.GET.get("v") == picker.version:
        return HttpResponse(status=204)
    return render(
        request,
        "scheduling/partials/slot_picker.html",
        {"picker": picker, "quote": _quote(picker, request.user)},
    )
