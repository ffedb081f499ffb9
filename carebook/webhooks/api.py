"""Webhook endpoints over REST, staff only: register, list, read, delete, see deliveries."""

from typing import Annotated

from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Status

from carebook.core.idempotency import idempotent
from carebook.core.schemas import MAX_ID, ErrorOut, ValidationErrorOut, paginate
from carebook.webhooks import selectors, services
from carebook.webhooks.models import Delivery, Endpoint
from carebook.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    DeliveryPage,
    EndpointCreated,
    EndpointIn,
    EndpointOut,
    EndpointPage,
    PageFilters,
)

router = Router(tags=["webhooks"])

EndpointId = Annotated[int, Path(ge=1, le=MAX_ID, description="Endpoint id")]
DeliveryId = Annotated[int, Path(ge=1, le=MAX_ID, description="Delivery id")]
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


def endpoint_out(e: Endpoint) -> dict:
    return {
        "id": e.pk,
        "url": e.url,
        "description": e.description,
        "events": e.events,
        "is_active": e.is_active,
        "disabled_reason": e.disabled_reason,
        "created_at": e.created_at,
    }


def delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.pk,
        webhook_id=d.message.msg_id,
        type=d.message.type,
        status=d.status,
        attempts=d.attempts,
        created_at=d.created_at,
        last_attempt_at=d.last_attempt_at,
        attempt_log=[
            AttemptOut(
                at=a.at,
                trigger=a.trigger,
                status_code=a.status_code,
                duration_ms=a.duration_ms,
                error=a.error,
                response=a.response,
            )
            for a in d.attempt_log.all()
        ],
    )


def _endpoint_or_404(request: HttpRequest, pk: int) -> Endpoint:
    endpoint = selectors.endpoint_get(user=request.auth, pk=pk)
    if endpoint is None:
        raise Http404
    return endpoint


@router.post(
    "",
    response={201: EndpointCreated, 401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut},
    summary="Register an endpoint (staff)",
)
def webhook_create(request: HttpRequest, payload: EndpointIn):
    """Register a URL for the chosen events; the answer holds the signing secret, once.

    The URL must be https and its host must resolve to public addresses only (422
    `webhook_target_refused` otherwise). No Idempotency-Key here: the answer holds the secret,
    which carebook does not store readable; a retry that lost the answer registers again (delete
    the extra one).
    """
    registered = services.endpoint_create(
        url=payload.url,
        events=list(payload.events),
        description=payload.description,
        secret=payload.secret,
        by=request.auth,
        request=request,
    )
    return Status(201, {**endpoint_out(registered.endpoint), "secret": registered.secret})


@router.get("", response={200: EndpointPage, **ERRORS}, summary="Endpoints (staff)")
def webhook_list(request: HttpRequest, filters: Query[PageFilters]):
    """Every registered endpoint, newest first (secrets are never shown again)."""
    fields, rows = paginate(
        selectors.endpoint_list(user=request.auth), page=filters.page, per_page=filters.per_page
    )
    return {**fields, "results": [endpoint_out(e) for e in rows]}


@router.get("/{endpoint_id}", response={200: EndpointOut, **ERRORS}, summary="One endpoint")
def webhook_detail(request: HttpRequest, endpoint_id: EndpointId):
    """A registered endpoint: its URL, events and whether carebook still sends to it."""
    return endpoint_out(_endpoint_or_404(request, endpoint_id))


@router.delete(
    "/{endpoint_id}", response={204: None, **ERRORS}, summary="Delete an endpoint (staff)"
)
def webhook_delete(request: HttpRequest, endpoint_id: EndpointId):
    """Stop sending to it and drop its delivery log; sends already queued do nothing."""
    endpoint = _endpoint_or_404(request, endpoint_id)
    services.endpoint_delete(endpoint=endpoint, by=request.auth, request=request)
    return Status(204, None)


@router.get(
    "/{endpoint_id}/deliveries",
    response={200: DeliveryPage, **ERRORS},
    summary="An endpoint's deliveries",
)
def webhook_deliveries(request: HttpRequest, endpoint_id: EndpointId, filters: Query[PageFilters]):
    """What was sent to the endpoint, newest first, with every attempt's answer."""
    endpoint = _endpoint_or_404(request, endpoint_id)
    deliveries = selectors.delivery_list(user=request.auth, endpoint=endpoint)
    fields, rows = paginate(deliveries, page=filters.page, per_page=filters.per_page)
    return {**fields, "results": [delivery_out(d) for d in rows]}


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/replay",
    response={202: DeliveryOut, 409: ErrorOut, **ERRORS},
    summary="Send a delivery again (staff)",
)
@idempotent
def webhook_replay(request: HttpRequest, endpoint_id: EndpointId, delivery_id: DeliveryId):
    """Queue a finished delivery again: the same message and webhook-id, a fresh signature.
    Still being tried: 409."""
    endpoint = _endpoint_or_404(request, endpoint_id)
    delivery = selectors.delivery_get(user=request.auth, endpoint=endpoint, pk=delivery_id)
    if delivery is None:
        raise Http404
    services.delivery_replay(delivery=delivery, by=request.auth)
    delivery = selectors.delivery_list(user=request.auth, endpoint=endpoint).get(pk=delivery.pk)
    return Status(202, delivery_out(delivery))
