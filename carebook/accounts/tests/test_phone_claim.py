"""A walk-in with only a phone claims the account: a code by SMS, then a password."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from carebook.accounts import phone_claim, services, throttle
from carebook.accounts.models import ClaimCode, User
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.core.security_log import SecurityEvent
from carebook.core.tests.tasks import run_worker
from carebook.core.timeutils import now as utcnow
from carebook.notifications.models import Delivery
from carebook.notifications.sms import LocmemSmsBackend

pytestmark = pytest.mark.django_db

PHONE = "+919886011223"
PASSWORD = "a quiet garden 42"
ASK, CLAIM = reverse("claim_phone"), reverse("claim_code")


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.CAREBOOK_SMS_BACKEND = "carebook.notifications.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox = []


@pytest.fixture
def meena():
    return services.walk_in_patient_create(full_name="Meena Iyer", phone=PHONE, by=StaffFactory())


def texted_code(phone: str = PHONE) -> str:
    """The code in the last SMS the worker sent to `phone`."""
    run_worker()
    texts = [text for to, text in LocmemSmsBackend.outbox if to == phone]
    assert texts, LocmemSmsBackend.outbox
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def claim(client, code: str, **extra):
    data = {"code": code, "password1": PASSWORD, "password2": PASSWORD, "email": "", **extra}
    return client.post(CLAIM, data)


def test_a_walk_in_claims_by_sms_is_logged_in_and_logs_in_again_by_phone(client, meena):
    asked = client.post(ASK, {"phone": "98860 11223"})
    assert asked.status_code == 302 and asked["Location"] == CLAIM
    page = client.get(CLAIM)
    assert "texted it a 6-digit code" in page.content.decode()
    code = texted_code()
    done = claim(client, code)
    assert done.status_code == 302 and done["Location"] == reverse("my_appointments")
    assert client.session["_auth_user_id"] == str(meena.pk)
    meena.refresh_from_db()
    assert meena.has_usable_password() and meena.phone_verified_at is not None
    assert not meena.has_mailbox  # no email was asked of her
    kinds = set(SecurityEvent.objects.filter(user=meena).values_list("detail", flat=True))
    assert {"claim code by SMS", "account claimed by phone code"} <= kinds
    client.logout()
    again = client.post(reverse("login"), {"email": "098860-11223", "password": PASSWORD})
    assert again.status_code == 302 and client.session["_auth_user_id"] == str(meena.pk)


@pytest.mark.parametrize("typed", ["+91 98860 11223", "098860-11223", "9886011223", PHONE])
def test_the_number_is_matched_however_it_is_typed(client, meena, typed):
    client.post(ASK, {"phone": typed})
    assert claim(client, texted_code()).status_code == 302


def test_five_wrong_codes_kill_it(client, meena):
    client.post(ASK, {"phone": PHONE})
    code = texted_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(ClaimCode.MAX_TRIES):
        response = claim(client, wrong)
        assert response.status_code == 400 and "not right" in response.content.decode()
    assert claim(client, code).status_code == 400
    assert not User.objects.get(pk=meena.pk).has_usable_password()


def test_an_expired_code_is_refused(client, meena):
    client.post(ASK, {"phone": PHONE})
    code = texted_code()
    with time_machine.travel(utcnow() + phone_claim.CODE_LIFETIME + timedelta(seconds=1)):
        assert claim(client, code).status_code == 400
    assert not User.objects.get(pk=meena.pk).has_usable_password()


def test_a_new_code_ends_the_old_one(client, meena):
    client.post(ASK, {"phone": PHONE})
    first = texted_code()
    client.post(ASK, {"phone": PHONE})
    second = texted_code()
    if first != second:  # one chance in a million that they match
        assert claim(client, first).status_code == 400
    assert claim(client, second).status_code == 302


def test_an_unknown_number_gets_the_same_answer_and_no_sms(client, meena):
    # The request does the same work either way (the number is looked up in a task), so its
    # time tells nothing either.
    known = client.post(ASK, {"phone": PHONE})
    run_worker()
    LocmemSmsBackend.outbox.clear()
    unknown = client.post(ASK, {"phone": "+91 94480 00000"})
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    page = client.get(CLAIM).content.decode()
    assert "If +91 94480 00000 belongs to an account" in page
    run_worker()
    assert LocmemSmsBackend.outbox == []
    assert claim(client, "123456").status_code == 400


def test_an_account_with_a_password_cannot_be_claimed(client, meena):
    PatientFactory(phone="+919845012345")  # registered online, has a password
    client.post(ASK, {"phone": PHONE})
    claim(client, texted_code())
    client.logout()
    LocmemSmsBackend.outbox.clear()
    for phone in (PHONE, "+919845012345"):
        client.post(ASK, {"phone": phone})
    run_worker()
    assert LocmemSmsBackend.outbox == []
    assert ClaimCode.objects.count() == 1


def test_codes_are_limited_per_number_and_per_client(client, meena):
    for _ in range(phone_claim.CODES_PER_PHONE):
        assert client.post(ASK, {"phone": PHONE}).status_code == 302
    refused = client.post(ASK, {"phone": "98860 11223"})
    assert refused.status_code == 429 and "Too many requests" in refused.content.decode()
    run_worker()
    assert ClaimCode.objects.count() == 1  # asked for before the worker ran: one code, one SMS
    for n in range(phone_claim.CODES_PER_CLIENT - phone_claim.CODES_PER_PHONE):
        assert client.post(ASK, {"phone": f"+9194480{n:05d}"}).status_code == 302
    assert client.post(ASK, {"phone": "+919448099999"}).status_code == 429
    other = client.post(ASK, {"phone": "+919448099999"}, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302
    assert SecurityEvent.objects.filter(kind="throttled").count() == 2


def test_typing_codes_is_limited_per_client(client, meena):
    client.post(ASK, {"phone": PHONE})
    code = texted_code()
    for _ in range(phone_claim.TRIES_PER_CLIENT):
        throttle.rate_limit_hit(
            scope=phone_claim.SCOPE_TRY, limits=[("client:127.0.0.1", 10**6)], window=timedelta(1)
        )
    assert claim(client, code).status_code == 429


def test_the_code_is_stored_nowhere_in_clear(client, meena):
    client.post(ASK, {"phone": PHONE})
    code = texted_code()
    queued = [str(row.args_kwargs) for row in DBTaskResult.objects.all()]
    assert len(queued) == 2  # the lookup, the SMS
    rows = [str(v) for v in ClaimCode.objects.values().get().values()]
    deliveries = [d.body for d in Delivery.objects.all()]
    assert deliveries and "######" in deliveries[0]
    for stored in [*queued, *rows, *deliveries]:
        assert code not in stored


def test_a_refused_password_keeps_the_code(client, meena):
    client.post(ASK, {"phone": PHONE})
    code = texted_code()
    weak = claim(client, code, password1="12345678", password2="12345678")
    assert weak.status_code == 400 and "password" in weak.content.decode().lower()
    assert claim(client, code).status_code == 302


def test_an_email_given_when_claiming_is_confirmed_by_the_usual_link(client, meena):
    client.post(ASK, {"phone": PHONE})
    assert claim(client, texted_code(), email="Meena@Example.test").status_code == 302
    meena.refresh_from_db()
    assert meena.email == "meena@example.test" and meena.email_verified_at is None
    run_worker()
    assert [m.to for m in mail.outbox] == [["meena@example.test"]]
    assert "/account/verify/" in mail.outbox[0].body


def test_an_email_another_account_holds_is_left_out_without_saying_so(client, meena):
    PatientFactory(email="taken@example.test")
    placeholder = meena.email
    client.post(ASK, {"phone": PHONE})
    assert claim(client, texted_code(), email="Taken@example.test").status_code == 302
    meena.refresh_from_db()
    assert meena.email == placeholder and meena.has_usable_password()
    run_worker()
    assert not [m for m in mail.outbox if "taken@example.test" in m.to]


def test_an_account_that_ever_logged_in_cannot_be_claimed(client, meena):
    """A patient whose password was switched off (after a compromise, say) is not a walk-in:
    whoever holds the phone on file must not take the account over."""
    User.objects.filter(pk=meena.pk).update(last_login=utcnow())
    client.post(ASK, {"phone": PHONE})
    run_worker()
    assert not LocmemSmsBackend.outbox
    meena.refresh_from_db()
    assert not meena.has_usable_password()


def test_a_number_gets_at_most_five_codes_a_day(client, meena):
    for hour in range(6):
        with time_machine.travel(utcnow() + timedelta(hours=2 * hour), tick=False):
            answer = client.post(ASK, {"phone": PHONE})
        assert answer.status_code == (302 if hour < 5 else 429), hour


def test_with_htmx_errors_swap_in_place_and_success_redirects(client, meena):
    htmx = {"HTTP_HX_REQUEST": "true"}
    bad = client.post(ASK, {"phone": "not a phone"}, **htmx)
    assert bad.status_code == 200 and b'id="claim-phone"' in bad.content
    assert b"<html" not in bad.content
    asked = client.post(ASK, {"phone": PHONE}, **htmx)
    assert asked["HX-Redirect"] == CLAIM
    code = texted_code()
    wrong = client.post(
        CLAIM, {"code": "000000", "password1": PASSWORD, "password2": PASSWORD}, **htmx
    )
    assert wrong.status_code == 200 and b'id="claim-code"' in wrong.content
    done = client.post(CLAIM, {"code": code, "password1": PASSWORD, "password2": PASSWORD}, **htmx)
    assert done["HX-Redirect"] == reverse("my_appointments")


def test_the_pages_are_linked_and_accessible(client):
    assert reverse("claim_phone") in client.get(reverse("login")).content.decode()
    assert reverse("claim_phone") in client.get(reverse("password_reset")).content.decode()
    assert client.get(CLAIM)["Location"] == ASK  # no number asked for yet
    client.post(ASK, {"phone": PHONE})
    page = client.get(CLAIM).content.decode()
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert '<label for="id_code">' in page


def test_only_a_verified_phone_logs_in(client, meena):
    # Meena has not claimed yet; Ravi registered online with a phone he never proved.
    PatientFactory(phone="+919845012345", password="pw-for-tests-1")
    for phone, password in ((PHONE, PASSWORD), ("+919845012345", "pw-for-tests-1")):
        response = client.post(reverse("login"), {"email": phone, "password": password})
        assert response.status_code == 400


def test_a_changed_number_is_no_longer_verified(client, meena):
    client.post(ASK, {"phone": PHONE})
    claim(client, texted_code(), email="meena@example.test")
    profile = {
        "full_name": "Meena",
        "phone": "+91 98450 99999",
        "time_zone": "",
        "gender": "female",
    }
    assert client.post(reverse("profile"), profile).status_code == 302
    meena.refresh_from_db()
    assert meena.phone == "+919845099999" and meena.phone_verified_at is None
    client.logout()
    response = client.post(reverse("login"), {"email": "+919845099999", "password": PASSWORD})
    assert response.status_code == 400


def test_a_phone_only_account_keeps_its_number_on_the_profile(client, meena):
    client.post(ASK, {"phone": PHONE})
    claim(client, texted_code())
    profile = {
        "full_name": "Meena",
        "phone": "+91 98450 99999",
        "time_zone": "",
        "gender": "female",
    }
    refused = client.post(reverse("profile"), profile)
    assert refused.status_code == 400 and "how you log in" in refused.content.decode()
    meena.refresh_from_db()
    assert meena.phone == PHONE and meena.phone_verified_at is not None
    same = client.post(reverse("profile"), {**profile, "full_name": "Meena S", "phone": PHONE})
    assert same.status_code == 302


def test_a_number_changed_at_any_door_must_be_proven_again(client, meena):
    client.post(ASK, {"phone": PHONE})
    claim(client, texted_code())
    user = User.objects.get(pk=meena.pk)  # as the admin's change form loads it
    user.phone = "+919845088888"
    user.save()
    assert User.objects.get(pk=meena.pk).phone_verified_at is None


def test_the_lookup_issues_one_code_however_often_it_runs(meena):
    asked_at = utcnow().isoformat()
    assert phone_claim.claim_code_issue.call(phone=PHONE, asked_at=asked_at) == "issued"
    again = phone_claim.claim_code_issue.call(phone=PHONE, asked_at=asked_at)
    assert again == "already issued" and ClaimCode.objects.count() == 1
    unknown = phone_claim.claim_code_issue.call(phone="+919448000000", asked_at=asked_at)
    assert unknown == "no unclaimed account"
