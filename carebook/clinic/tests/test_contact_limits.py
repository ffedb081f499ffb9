"""The public contact form stores a few messages an hour per email and per client."""

import pytest
from django.test import RequestFactory

from carebook.accounts.throttle import RateLimited
from carebook.clinic.models import ContactMessage
from carebook.clinic.services import contact_message_create
from carebook.clinic.services.contact import CONTACT_PER_CLIENT, CONTACT_PER_EMAIL

pytestmark = pytest.mark.django_db


def send(email, ip=None):
    request = RequestFactory().post("/contact/", REMOTE_ADDR=ip) if ip else None
    return contact_message_create(
        name="A", email=email, subject="Hours", message="When are you open?", request=request
    )


def test_one_email_sends_a_few_an_hour_however_it_is_spelled():
    for _ in range(CONTACT_PER_EMAIL - 1):
        send("asha@example.test")
    send("ASHA@example.test")
    with pytest.raises(RateLimited) as refused:
        send("aſha@example.test")
    assert refused.value.retry_after > 0
    assert ContactMessage.objects.count() == CONTACT_PER_EMAIL
    send("ravi@example.test")  # another sender is not held up


def test_one_client_sends_a_few_an_hour_across_emails():
    for i in range(CONTACT_PER_CLIENT):
        send(f"n{i}@example.test", ip="203.0.113.7")
    with pytest.raises(RateLimited):
        send("fresh@example.test", ip="203.0.113.7")
    send("fresh@example.test", ip="198.51.100.20")
