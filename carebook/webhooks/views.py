"""The office's webhook pages, staff only: endpoints, a new one (its secret shown once), one
endpoint's recent deliveries with a Replay button."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carebook.accounts import mfa
from carebook.core.decorators import staff_required
from carebook.core.doors import attempt, paginate
from carebook.core.errors import DomainError
from carebook.webhooks import selectors, services
from carebook.webhooks.catalogue import EVENT_TYPES
from carebook.webhooks.forms import EndpointForm

PER_PAGE = 25


def _endpoints_page(request, form: EndpointForm, *, status: int = 200):
    page, _query = paginate(request, selectors.endpoint_list(user=request.user), PER_PAGE)
    return render(
        request,
        "webhooks/endpoints.html",
        {"form": form, "page": page, "event_types": EVENT_TYPES},
        status=status,
    )


@staff_required
def endpoints(request):
    return _endpoints_page(request, EndpointForm())


def _endpoint_or_404(request, pk: int):
    endpoint = selectors.endpoint_get(user=request.user, pk=pk)
    if endpoint is None:
        raise Http404
    return endpoint


def _detail(request, endpoint, *, secret: str = "", status: int = 200):
    deliveries = selectors.delivery_list(user=request.user, endpoint=endpoint)
    page, _query = paginate(request, deliveries, PER_PAGE)
    return render(
        request,
        "webhooks/endpoint.html",
        {"endpoint": endpoint, "page": page, "secret": secret},
        status=status,
    )


@staff_required
@require_POST
@mfa.step_up_required
def endpoint_create(request):
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _endpoints_page(request, form, status=400)
    try:
        registered = services.endpoint_create(
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            description=form.cleaned_data["description"],
            secret=form.cleaned_data["secret"],
            by=request.user,
            request=request,
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _endpoints_page(request, form, status=400)
    # Shown in this answer only: no redirect, since the secret is stored nowhere readable.
    return _detail(request, registered.endpoint, secret=registered.secret, status=201)


@staff_required
def endpoint_detail(request, pk: int):
    return _detail(request, _endpoint_or_404(request, pk))


@staff_required
@require_POST
@mfa.step_up_required
def endpoint_delete(request, pk: int):
    endpoint = _endpoint_or_404(request, pk)
    services.endpoint_delete(endpoint=endpoint, by=request.user, request=request)
    messages.success(request, _("Webhook endpoint %(url)s deleted.") % {"url": endpoint.url})
    return redirect("office:webhooks")


@staff_required
@require_POST
def replay(request, pk: int, delivery_pk: int):
    endpoint = _endpoint_or_404(request, pk)
    delivery = selectors.delivery_get(user=request.user, endpoint=endpoint, pk=delivery_pk)
    if delivery is None:
        raise Http404
    attempt(
        request,
        lambda: services.delivery_replay(delivery=delivery, by=request.user),
        _("Queued to be sent again."),
    )
    return redirect("office:webhook", pk=endpoint.pk)
