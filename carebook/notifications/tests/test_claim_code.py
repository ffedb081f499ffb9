"""The SMS carrying a claim code: queued with the code, sent once, never stored in clear."""

import re
from datetime import timedelta

import pytest

from carebook.accounts import phone_claim, services
from carebook.accounts.models import ClaimCode
from carebook.accounts.tests.factories import StaffFactory
from carebook.clinic.models import Clinic
from carebook.core.tests.tasks import run_worker
from carebook.core.timeutils import now as utcnow
from carebook.notifications import tasks
from carebook.notifications.models import Delivery
from carebook.notifications.sms import MAX_LENGTH

pytestmark = pytest.mark.django_db
PHONE = "+919886011223"


@pytest.fixture
def walk_in():
    return services.walk_in_patient_create(full_name="Meena Iyer", phone=PHONE, by=StaffFactory())


def issue():
    phone_claim.claim_code_issue.call(phone=PHONE, asked_at=utcnow().isoformat())


def test_the_code_goes_once_and_only_its_mask_is_kept(walk_in, sms_outbox):
    issue()
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.to, delivery.recipient) == ("sms", PHONE, walk_in)
    assert "######" in delivery.body
    run_worker()
    ((to, text),) = sms_outbox
    code = phone_claim.code_for(ClaimCode.objects.get())
    assert to == PHONE and text.startswith(code) and code not in Delivery.objects.get().body
    tasks.send_delivery.enqueue(delivery_id=delivery.pk)  # a retry, a reaped task
    run_worker()
    assert len(sms_outbox) == 1 and Delivery.objects.get().status == "sent"


def test_a_code_that_ended_before_its_sms_went_is_not_sent(walk_in, sms_outbox, clock):
    issue()
    clock.at(utcnow() + phone_claim.CODE_LIFETIME + timedelta(seconds=1))
    run_worker()
    assert sms_outbox == []
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "expired" in delivery.last_error


def test_the_code_survives_a_long_clinic_name(walk_in, sms_outbox):
    Clinic.objects.create(name="The Very Long Named Multispeciality Clinic " * 4)
    issue()
    run_worker()
    ((_, text),) = sms_outbox
    assert len(text) <= MAX_LENGTH and re.match(r"\d{6} is your code", text)
