"""Every rule through every door that offers its action: web, REST, FHIR and /admin/.

A door that lets a rule slip fails here. Each rule is decided once, in a service or selector;
these tests prove the doors only translate.
"""

import json
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.test import Client

from carebook.accounts.models import PatientProfile
from carebook.accounts.services import user_suspend
from carebook.accounts.tokens import token_create
from carebook.api.tests.conftest import book, local_start
from carebook.billing.models import CreditNote, Invoice
from carebook.billing.services import payment_checkout
from carebook.billing.tests.factories import CARD, held
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_complete, appointment_confirm
from carebook.clinic.models import Clinic
from carebook.clinic.services import practitioner_unverify
from carebook.clinic.tests.factories import ServiceFactory
from carebook.core.access_log import AccessLog
from carebook.core.tests.tasks import run_worker
from carebook.records.models import Prescription, SessionNote
from carebook.records.services import prescription_issue
from carebook.records.tests.factories import MEDICINE

pytestmark = pytest.mark.django_db
S = Appointment.Status
FHIR = "application/fhir+json"
PASSWORD = "a-right-password-9"


def slot_ref(cal, start) -> str:
    stamp = start.astimezone(UTC).strftime("%Y%m%d%H%M%S")
    return f"Slot/{cal.practitioner.pk}-{cal.location.pk}-{cal.service.pk}-{stamp}"


def web_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fhir_post(client, path, body):
    return client.post(f"/fhir/R4/{path}", json.dumps(body), content_type=FHIR)


def request_via(door: str, world, start, *, user=None):
    """Ask for `start` with world.cal through `door` as `user` (the patient by default)."""
    user = user or world.patient
    cal = world.cal
    if door == "web":
        return web_client(user).post(
            "/book/",
            {
                "practitioner": cal.practitioner.pk,
                "service": cal.service.pk,
                "location": cal.location.pk,
                "start": start.isoformat(),
                "mode": "in_person",
                "reason": "cough",
            },
        )
    if door == "rest":
        return world.client("patient").post(
            "/api/v1/appointments",
            {
                "practitioner_id": cal.practitioner.pk,
                "service_id": cal.service.pk,
                "location_id": cal.location.pk,
                "start": start.isoformat(),
                "mode": "in_person",
            },
            content_type="application/json",
        )
    if door == "fhir":
        return fhir_post(
            world.client("patient"),
            "Appointment",
            {
                "resourceType": "Appointment",
                "status": "proposed",
                "slot": [{"reference": slot_ref(cal, start)}],
                "participant": [
                    {"actor": {"reference": f"Patient/{user.pk}"}, "status": "accepted"}
                ],
            },
        )
    if door == "fhir_hold":
        return fhir_post(
            world.client("patient"),
            "Appointment/$hold",
            {
                "resourceType": "Parameters",
                "parameter": [
                    {
                        "name": "appointment",
                        "resource": {
                            "resourceType": "Appointment",
                            "status": "proposed",
                            "slot": [{"reference": slot_ref(cal, start)}],
                            "participant": [
                                {
                                    "actor": {"reference": f"Patient/{user.pk}"},
                                    "status": "accepted",
                                }
                            ],
                        },
                    }
                ],
            },
        )
    raise AssertionError(door)


def the_appointment(world, start) -> Appointment | None:
    return Appointment.objects.filter(
        patient=world.patient, start=start, status__in=Appointment.ACTIVE_STATUSES
    ).first()


@pytest.fixture
def pay_at_booking(world):
    Clinic.objects.filter(pk=Clinic.current().pk).update(payment_at_booking=True)


# --- pay at booking: until paid, the slot is only held -----------------------------------------


@pytest.mark.parametrize("door", ["web", "rest", "fhir", "fhir_hold"])
def test_pay_at_booking_holds_the_slot_at_every_door(world, pay_at_booking, door):
    start = local_start(3, 10)
    response = request_via(door, world, start)
    assert response.status_code in (200, 201, 302), response.content[:300]
    appointment = the_appointment(world, start)
    assert appointment is not None
    assert (appointment.status, appointment.payment_due) == (S.HELD, True)
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("door", ["web", "rest", "fhir", "fhir_hold"])
def test_fhir_book_refuses_a_hold_that_waits_for_payment(world, pay_at_booking, door):
    start = local_start(3, 10)
    request_via(door, world, start)
    appointment = the_appointment(world, start)
    response = fhir_post(
        world.client("patient"),
        "Appointment/$book",
        {
            "resourceType": "Parameters",
            "parameter": [
                {
                    "name": "appointment-reference",
                    "valueReference": {"reference": f"Appointment/{appointment.pk}"},
                }
            ],
        },
    )
    assert response.status_code == 409, response.content[:300]
    assert "paid" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == S.HELD


def test_rest_client_pays_for_the_hold_and_the_slot_is_booked(world, pay_at_booking):
    start = local_start(3, 10)
    created = request_via("rest", world, start).json()
    assert (created["status"], created["payment_due"]) == ("held", True)
    paid = world.client("patient").post(
        f"/api/v1/appointments/{created['id']}/pay",
        {
            "method": "card",
            "card_number": CARD.card_number,
            "card_expiry": "12/29",
            "card_cvc": "123",
        },
        content_type="application/json",
    )
    assert paid.status_code == 200, paid.content[:300]
    assert paid.json()["appointment_status"] == "requested"
    assert Appointment.objects.get(pk=created["id"]).status == S.REQUESTED
    assert Invoice.objects.get(appointment_id=created["id"]).status == Invoice.Status.PAID


def test_staff_booking_on_behalf_is_paid_at_the_counter(world, pay_at_booking):
    start = local_start(3, 10)
    response = web_client(world.staff).post(
        "/book/",
        {
            "practitioner": world.cal.practitioner.pk,
            "service": world.cal.service.pk,
            "location": world.cal.location.pk,
            "start": start.isoformat(),
            "mode": "in_person",
            "reason": "cough",
            "patient": world.patient.email,
        },
    )
    assert response.status_code == 302
    assert the_appointment(world, start).status == S.REQUESTED


# --- a cap on the slots one patient holds ----------------------------------------------------


@pytest.mark.parametrize("door", ["web", "rest", "fhir", "fhir_hold"])
def test_hold_cap_holds_at_every_door(world, pay_at_booking, door):
    starts = [local_start(3, hour) for hour in (9, 10, 11)]
    for start in starts[:2]:
        request_via(door, world, start)
    refused = request_via(door, world, starts[2])
    assert refused.status_code in (400, 409), refused.status_code
    assert "holding as many slots" in refused.content.decode()
    assert Appointment.objects.filter(patient=world.patient, status=S.HELD).count() == 2
    assert the_appointment(world, starts[2]) is None


# --- verification withdrawn: no clinical read or write ---------------------------------------


@pytest.fixture
def clinical(world):
    """A completed visit of world.patient with world.practitioner (a reason given), with a
    prescription."""
    start = local_start(-1, 10)
    visit = book(
        world.cal, world.patient, start, now=start - timedelta(days=1), reason="Chest pain"
    )
    appointment_confirm(appointment=visit, by=world.practitioner)
    visit = appointment_complete(appointment=visit, by=world.practitioner)
    prescription_issue(
        appointment=visit,
        by=world.practitioner,
        medicines=[MEDICINE],
    )
    return visit


CLINICAL_READS = [
    ("web", "/records/patients/{patient}/"),
    ("web", "/practice/patients/{patient}/"),
    ("web", "/records/prescriptions/{prescription}/pdf/"),
    ("rest", "/api/v1/prescriptions/{prescription}"),
    ("rest", "/api/v1/prescriptions/{prescription}/pdf"),
    ("rest", "/api/v1/appointments/{appointment}"),
    ("fhir", "/fhir/R4/Appointment/{appointment}"),
]


def read_via(door: str, world, path: str):
    url = path.format(
        patient=world.patient.pk,
        prescription=Prescription.objects.get().pk,
        appointment=Prescription.objects.get().appointment_id,
    )
    if door == "web":
        return web_client(world.practitioner).get(url)
    return world.client("practitioner").get(url)


@pytest.mark.parametrize("door,path", CLINICAL_READS)
def test_withdrawn_practitioner_reads_no_clinical_data(world, clinical, door, path):
    assert read_via(door, world, path).status_code == 200  # while verified
    practitioner_unverify(practitioner=world.cal.practitioner, by=world.staff)
    assert read_via(door, world, path).status_code in (403, 404)


def test_withdrawn_practitioner_writes_no_session_note(world, clinical):
    practitioner_unverify(practitioner=world.cal.practitioner, by=world.staff)
    response = web_client(world.practitioner).post(
        f"/records/appointments/{clinical.pk}/notes/", {"text": "Still here"}
    )
    assert response.status_code in (403, 404)
    assert not SessionNote.objects.exists()


# --- a suspended account gets in through no door ---------------------------------------------


@pytest.fixture
def suspended(world):
    world.patient.set_password(PASSWORD)
    world.patient.save()
    _token, raw = token_create(user=world.patient)
    user_suspend(user=world.patient, by=world.staff)
    return raw


def test_suspended_patient_is_refused_at_every_door(world, suspended):
    email = world.patient.email
    site = Client().post("/account/login/", {"email": email, "password": PASSWORD})
    assert site.status_code == 400
    token = Client().post(
        "/api/v1/auth/token",
        {"email": email, "password": PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 401
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {suspended}")
    assert bearer.get("/api/v1/appointments").status_code == 401
    assert bearer.get("/fhir/R4/Appointment").status_code == 401
    admin = Client().post("/admin/login/", {"username": email, "password": PASSWORD})
    assert admin.status_code == 200 and "_auth_user_id" not in admin.client.session


# --- one lockout for every login door --------------------------------------------------------


def attempt(door: str, email: str, password: str):
    if door == "site":
        return Client().post("/account/login/", {"email": email, "password": password})
    if door == "token":
        return Client().post(
            "/api/v1/auth/token",
            {"email": email, "password": password},
            content_type="application/json",
        )
    client = Client()
    response = client.post("/admin/login/", {"username": email, "password": password})
    response.logged_in = "_auth_user_id" in client.session
    return response


def let_in(door: str, response) -> bool:
    if door == "admin":
        return response.logged_in
    return response.status_code in (200, 302) if door == "token" else response.status_code == 302


@pytest.mark.parametrize("failed_at", ["site", "token", "admin"])
@pytest.mark.parametrize("tried_at", ["site", "token", "admin"])
def test_lockout_earned_at_one_door_holds_at_every_door(world, failed_at, tried_at):
    world.staff.set_password(PASSWORD)
    world.staff.save()
    email = world.staff.email
    for _ in range(5):
        assert not let_in(failed_at, attempt(failed_at, email, "wrong-password"))
    answer = attempt(tried_at, email, PASSWORD)
    assert not let_in(tried_at, answer)
    if tried_at in ("site", "token"):
        assert answer.status_code == 429


# --- money settled whichever door ends a paid visit ------------------------------------------


def paid(world) -> Appointment:
    """A visit of world.patient paid online at booking, five days ahead (requested)."""
    appointment = held(world.cal, world.patient, start=local_start(5, 10))
    payment_checkout(appointment=appointment, details=CARD, by=world.patient)
    appointment.refresh_from_db()
    return appointment


def end_via(door: str, world, appointment):
    doctor, patient = world.practitioner, world.patient
    if door == "web_reject":
        return web_client(doctor).post(
            f"/practice/appointments/{appointment.pk}/reject/", {"reason": "On leave"}
        )
    if door == "rest_reject":
        return world.client("practitioner").post(
            f"/api/v1/appointments/{appointment.pk}/reject",
            {"reason": "On leave"},
            content_type="application/json",
        )
    if door == "practice_cancel":
        return web_client(doctor).post(
            f"/practice/appointments/{appointment.pk}/cancel/", {"reason": "Called away"}
        )
    if door == "rest_practitioner_cancel":
        return world.client("practitioner").post(
            f"/api/v1/appointments/{appointment.pk}/cancel",
            {"reason": "Called away"},
            content_type="application/json",
        )
    if door == "web_cancel":
        return web_client(patient).post(
            f"/appointments/{appointment.pk}/cancel/", {"reason": "Better"}
        )
    if door == "rest_cancel":
        return world.client("patient").post(
            f"/api/v1/appointments/{appointment.pk}/cancel",
            {"reason": "Better"},
            content_type="application/json",
        )
    if door == "fhir_cancel":
        client = world.client("patient")
        resource = json.loads(client.get(f"/fhir/R4/Appointment/{appointment.pk}").content)
        resource["status"] = "cancelled"
        return client.put(
            f"/fhir/R4/Appointment/{appointment.pk}", json.dumps(resource), content_type=FHIR
        )
    if door == "admin_cancel":
        return web_client(world.staff).post(
            "/admin/booking/appointment/",
            {"action": "cancel_appointments", "_selected_action": [appointment.pk]},
        )
    raise AssertionError(door)


@pytest.mark.parametrize(
    "door",
    [
        "web_reject",
        "rest_reject",
        "practice_cancel",
        "rest_practitioner_cancel",
        "web_cancel",
        "rest_cancel",
        "fhir_cancel",
        "admin_cancel",
    ],
)
def test_a_paid_visit_ended_at_any_door_is_refunded(world, pay_at_booking, door):
    appointment = paid(world)
    invoice = Invoice.objects.get(appointment=appointment)
    assert invoice.status == Invoice.Status.PAID
    response = end_via(door, world, appointment)
    assert response.status_code in (200, 302), response.content[:300]
    appointment.refresh_from_db()
    assert appointment.status in (S.REJECTED, S.CANCELLED)
    run_worker()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.REFUNDED
    assert CreditNote.objects.get(invoice=invoice).amount == invoice.total


@pytest.mark.parametrize("door", ["rest", "web"])
def test_a_held_slot_cannot_be_moved_around_the_payment(world, pay_at_booking, door):
    held_start, new_start = local_start(3, 10), local_start(3, 12)
    request_via("rest", world, held_start)
    appointment = the_appointment(world, held_start)
    if door == "rest":
        response = world.client("patient").post(
            f"/api/v1/appointments/{appointment.pk}/reschedule",
            {"start": new_start.isoformat()},
            content_type="application/json",
        )
        assert response.status_code == 409
    else:
        web_client(world.patient).post(
            f"/appointments/{appointment.pk}/reschedule/",
            {
                "practitioner": world.cal.practitioner.pk,
                "service": world.cal.service.pk,
                "location": world.cal.location.pk,
                "start": new_start.isoformat(),
            },
        )
    appointment.refresh_from_db()
    assert appointment.status == S.HELD
    assert the_appointment(world, new_start) is None
    assert not Invoice.objects.exists()


def test_a_paid_visit_moves_only_at_the_same_fee(world, pay_at_booking):
    appointment = paid(world)
    dearer = ServiceFactory(practitioner=world.cal.practitioner, price=Decimal("9999"))
    response = world.client("patient").post(
        f"/api/v1/appointments/{appointment.pk}/reschedule",
        {"start": local_start(6, 10).isoformat(), "service_id": dearer.pk},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "fee" in response.json()["detail"]
    appointment.refresh_from_db()
    assert appointment.status == S.REQUESTED


def test_staff_refund_part_of_an_invoice_through_rest_and_web(world, pay_at_booking):
    appointment = paid(world)
    invoice = Invoice.objects.get(appointment=appointment)
    rest = world.client("staff").post(
        f"/api/v1/invoices/{invoice.pk}/refund",
        {"amount": "100.00", "reason": "Goodwill"},
        content_type="application/json",
    )
    assert rest.status_code == 201, rest.content[:300]
    assert world.client("patient").post(
        f"/api/v1/invoices/{invoice.pk}/refund",
        {"amount": "1.00", "reason": "Mine"},
        content_type="application/json",
    ).status_code in (403, 404)
    assert CreditNote.objects.get(invoice=invoice).amount == Decimal("100.00")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_REFUNDED


# --- every clinical read by someone else writes one access-log row, at every door ------------

READS = [
    # (door, who, url, what)
    ("rest", "practitioner", "/api/v1/appointments/{appointment}", "appointment_reason"),
    ("rest", "staff", "/api/v1/appointments/{appointment}", "appointment_reason"),
    ("fhir", "practitioner", "/fhir/R4/Appointment/{appointment}", "appointment_reason"),
    ("admin", "staff", "/admin/booking/appointment/{appointment}/change/", "appointment_reason"),
    ("admin", "staff", "/admin/accounts/patientprofile/{profile}/change/", "patient_profile"),
    ("web", "practitioner", "/practice/patients/{patient}/", "patient_profile"),
    ("web", "practitioner", "/records/patients/{patient}/", "record"),
    ("rest", "practitioner", "/api/v1/prescriptions/{prescription}", "prescription"),
    ("rest", "practitioner", "/api/v1/prescriptions/{prescription}/pdf", "pdf"),
    ("web", "practitioner", "/records/prescriptions/{prescription}/pdf/", "pdf"),
]


@pytest.mark.parametrize("door,who,url,what", READS)
def test_a_clinical_read_by_someone_else_is_logged_at_every_door(
    world, clinical, door, who, url, what
):
    profile, _ = PatientProfile.objects.get_or_create(user=world.patient)
    url = url.format(
        appointment=clinical.pk,
        patient=world.patient.pk,
        profile=profile.pk,
        prescription=Prescription.objects.get().pk,
    )
    reader = getattr(world, who)
    before = AccessLog.objects.count()
    if door in ("rest", "fhir"):
        response = world.client(who).get(url)
    else:
        response = web_client(reader).get(url)
    assert response.status_code == 200, (url, response.status_code)
    rows = AccessLog.objects.filter(by=reader, patient=world.patient, what=what, door=door)
    assert rows.exists(), list(AccessLog.objects.values_list("what", "door"))
    assert AccessLog.objects.count() > before


@pytest.mark.parametrize(
    "door,url",
    [
        ("rest", "/api/v1/appointments/{appointment}"),
        ("fhir", "/fhir/R4/Appointment/{appointment}"),
        ("web", "/records/health/"),
    ],
)
def test_the_patient_reading_their_own_data_is_not_logged(world, clinical, door, url):
    url = url.format(appointment=clinical.pk, patient=world.patient.pk)
    if door == "web":
        response = web_client(world.patient).get(url)
    else:
        response = world.client("patient").get(url)
    assert response.status_code == 200
    assert not AccessLog.objects.filter(by=world.patient).exists()


def test_access_log_rows_are_append_only(world, clinical):
    web_client(world.practitioner).get(f"/records/patients/{world.patient.pk}/")
    row = AccessLog.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).update(what="note")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.filter(pk=row.pk).delete()
    assert AccessLog.objects.filter(pk=row.pk, what=row.what).exists()
