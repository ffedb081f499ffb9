import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from carebook.accounts.models import User
from carebook.core.doors import attempt, next_url, paginate
from carebook.core.errors import DomainError


def with_messages(request):
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_attempt_turns_a_refusal_into_an_error_message():
    request = with_messages(RequestFactory().post("/"))

    def refuse():
        raise DomainError("Not now.")

    assert attempt(request, refuse, "Done.") is False
    assert attempt(request, lambda: None, "Done.") is True
    assert [str(m) for m in get_messages(request)] == ["Not now.", "Done."]


@pytest.mark.parametrize(
    ("posted", "expected"),
    [
        ("/office/users/?page=2", "/office/users/?page=2"),
        ("https://elsewhere.example/", "/fallback/"),
        ("", "/fallback/"),
    ],
)
def test_next_url_goes_back_only_within_the_site(posted, expected):
    request = RequestFactory().post("/", {"next": posted})
    assert next_url(request, "/fallback/") == expected


@pytest.mark.django_db
def test_paginate_keeps_the_filters_but_not_the_page():
    request = RequestFactory().get("/", {"q": "ravi", "page": "1"})
    page, query = paginate(request, User.objects.order_by("pk"), 10)
    assert page.number == 1
    assert query == "q=ravi"
