"""What the web doors share: calling a service from a page, going back, paging a list."""

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.utils.http import url_has_allowed_host_and_scheme

from carebook.core.errors import DomainError


def attempt(request, call: Callable[[], object], done: str) -> bool:
    """Run a service call; a refusal becomes an error message, success the `done` message."""
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True


def next_url(request, default: str) -> str:
    """The posted `next` when it is a safe place on this site to go back to, else `default`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def paginate(request, queryset, per_page: int) -> tuple[Page, str]:
    """One page of `queryset` and the query string that keeps the filters on other pages."""
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
