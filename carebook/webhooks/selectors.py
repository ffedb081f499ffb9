"""Reads of webhooks, for staff only: endpoints and their recent deliveries with each attempt."""

from django.db.models import Prefetch, QuerySet

from carebook.accounts.models import User
from carebook.core.errors import PermissionDenied
from carebook.webhooks.models import Attempt, Delivery, Endpoint


def staff_only(user: User) -> None:
    """Webhooks are the clinic's business: anyone but active staff is refused."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        raise PermissionDenied()


def endpoint_list(*, user: User) -> QuerySet[Endpoint]:
    staff_only(user)
    return Endpoint.objects.all()


def endpoint_get(*, user: User, pk: int) -> Endpoint | None:
    staff_only(user)
    return Endpoint.objects.filter(pk=pk).first()


def delivery_list(*, user: User, endpoint: Endpoint) -> QuerySet[Delivery]:
    """The endpoint's deliveries, newest first, each with its attempts (newest first)."""
    staff_only(user)
    return (
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("message")
        .prefetch_related(Prefetch("attempt_log", queryset=Attempt.objects.order_by("-at", "-id")))
    )


def delivery_get(*, user: User, endpoint: Endpoint, pk: int) -> Delivery | None:
    staff_only(user)
    return Delivery.objects.filter(endpoint=endpoint, pk=pk).first()
