"""Admin helpers every app's ModelAdmin shares; core registers no models of its own here."""

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from carebook.core.errors import DomainError


def run_service_action(
    modeladmin: admin.ModelAdmin,
    request,
    objects: Iterable[Model],
    service: Callable[[Model], object],
    *,
    done: str,
) -> None:
    """Apply a service to each selected object; report each refusal by name.

    The services record the change themselves (core.audit or the appointment's history).
    """
    count = 0
    for obj in objects:
        try:
            service(obj)
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        else:
            count += 1
    if count:
        opts = modeladmin.model._meta
        name = opts.verbose_name if count == 1 else opts.verbose_name_plural
        modeladmin.message_user(
            request,
            _("%(done)s %(count)d %(name)s.") % {"done": done, "count": count, "name": name},
            messages.SUCCESS,
        )


def service_action(service: Callable[..., object], on: str, description: str, done: str):
    """An admin action calling `service(<on>=obj, by=request.user)` for each selected object.

    Assign it to a ModelAdmin attribute and list that name in `actions`.
    """

    @admin.action(description=description)
    def action(modeladmin, request, queryset):
        run_service_action(
            modeladmin,
            request,
            queryset,
            lambda obj: service(**{on: obj}, by=request.user),
            done=done,
        )

    return action
