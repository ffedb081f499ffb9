from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.billing.models import BillingSettings, CreditNote, DocumentSequence, Invoice, Payment
from carebook.billing.services import payment_checkout, payment_record
from carebook.billing.tests.factories import (
    CARD,
    booked,
    completed,
    held,
    issued_invoice,
    local_start,
    pay_at_booking,
    run_billing_tasks,
)
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_cancel
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Clinic
from carebook.core.timeutils import now as utcnow

pytestmark = pytest.mark.django_db
GOOD = {
    "method": "card",
    "card_number": "4111 1111 1111 1111",
    "card_expiry": "12/30",
    "card_cvc": "123",
}


def client_for(client, user):
    client.force_login(user)
    return client


def book_post(client, cal, start):
    return client.post(
        reverse("book"),
        {
            "practitioner": cal.practitioner.pk,
            "service": cal.service.pk,
            "location": cal.location.pk,
            "start": start.isoformat(),
            "mode": "in_person",
            "reason": "",
        },
    )


def test_pay_at_booking_holds_the_slot_and_sends_the_patient_to_pay(client, clinic):
    pay_at_booking()
    cal = bookable_calendar()
    patient = PatientFactory()
    response = book_post(client_for(client, patient), cal, local_start(2))
    appointment = Appointment.objects.get()
    assert appointment.status == Appointment.Status.HELD
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:pay", args=[appointment.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "₹649.00" in page.content.decode()


def test_at_clinic_booking_is_booked_straight_away(client, clinic):
    cal = bookable_calendar()
    response = book_post(client_for(client, PatientFactory()), cal, local_start(2))
    appointment = Appointment.objects.get()
    assert appointment.status == Appointment.Status.REQUESTED
    assert response["Location"] == reverse("appointment_done", args=[appointment.pk])


def test_paying_by_card_books_the_visit_and_issues_the_invoice(client, clinic):
    pay_at_booking()
    appointment = held()
    response = client_for(client, appointment.patient).post(
        reverse("billing:pay", args=[appointment.pk]), GOOD
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("appointment_done", args=[appointment.pk])
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.REQUESTED
    invoice = Invoice.objects.get(appointment=appointment)
    assert invoice.status == Invoice.Status.PAID
    payment = Payment.objects.get()
    assert payment.payer_hint == "•••• 1111"
    assert "4111111111111111" not in str(Payment.objects.values().get())
    detail = client.get(reverse("appointment", args=[appointment.pk])).content.decode()
    assert invoice.number in detail
    assert reverse("billing:invoice_pdf", args=[invoice.pk]) in detail
    assert reverse("billing:receipt_pdf", args=[payment.pk]) in detail


def test_paying_by_upi_works_too(client, clinic):
    appointment = held()
    response = client_for(client, appointment.patient).post(
        reverse("billing:pay", args=[appointment.pk]), {"method": "upi", "upi_id": "asha@okbank"}
    )
    assert response.status_code == 302
    assert Payment.objects.get().payer_hint == "as••@okbank"


def test_a_declined_card_shows_why_and_keeps_the_hold(client, clinic):
    appointment = held()
    response = client_for(client, appointment.patient).post(
        reverse("billing:pay", args=[appointment.pk]),
        {**GOOD, "card_number": "4000 0000 0000 0002"},
    )
    assert response.status_code == 400
    assert "The card was declined." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.HELD
    retry = client.post(reverse("billing:pay", args=[appointment.pk]), GOOD)
    assert retry.status_code == 302


def test_a_timed_out_payment_releases_the_slot_with_a_friendly_message(client, clinic):
    appointment = held()
    response = client_for(client, appointment.patient).post(
        reverse("billing:pay", args=[appointment.pk]),
        {**GOOD, "card_number": "4000000000000119"},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "slot was released" in body
    assert reverse("practitioner", args=[appointment.practitioner_id]) in body
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_an_expired_hold_links_back_to_the_practitioner(client, clinic):
    appointment = held(now=utcnow() - timedelta(minutes=30))
    c = client_for(client, appointment.patient)
    for response in (
        c.get(reverse("billing:pay", args=[appointment.pk])),
        c.post(reverse("billing:pay", args=[appointment.pk]), GOOD),
    ):
        assert response.status_code == 409
        assert "run out" in response.content.decode()
        assert reverse("practitioner", args=[appointment.practitioner_id]) in (
            response.content.decode()
        )
    assert not Payment.objects.exists()


def test_invalid_card_details_are_refused_before_the_gateway(client, clinic):
    appointment = held()
    response = client_for(client, appointment.patient).post(
        reverse("billing:pay", args=[appointment.pk]), {**GOOD, "card_number": "1234"}
    )
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_another_patient_cannot_open_the_pay_page(client, clinic):
    appointment = held()
    response = client_for(client, PatientFactory()).get(
        reverse("billing:pay", args=[appointment.pk])
    )
    assert response.status_code == 404


def _paid(patient=None):
    appointment = held(patient=patient)
    checkout = payment_checkout(
        appointment=appointment,
        details=CARD,
        by=appointment.patient,
    )
    return checkout.invoice, checkout.payment


@pytest.mark.parametrize("name", ["invoice", "invoice_pdf"])
def test_another_patient_gets_404_for_an_invoice(client, clinic, name):
    invoice, _ = _paid()
    url = reverse(f"billing:{name}", args=[invoice.pk])
    assert client_for(client, PatientFactory()).get(url).status_code == 404


def test_another_patient_gets_404_for_a_receipt(client, clinic):
    _, payment = _paid()
    url = reverse("billing:receipt_pdf", args=[payment.pk])
    assert client_for(client, PatientFactory()).get(url).status_code == 404


def test_patient_and_staff_download_the_invoice_pdf(client, clinic):
    invoice, payment = _paid()
    for user in (invoice.patient, StaffFactory()):
        c = client_for(client, user)
        response = c.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert "invoice-CB-" in response["Content-Disposition"]
        receipt = c.get(reverse("billing:receipt_pdf", args=[payment.pk]))
        assert receipt.status_code == 200 and receipt.content.startswith(b"%PDF-")


def test_the_practitioner_sees_only_their_own_patients_invoices(client, clinic):
    invoice, _ = _paid()
    own = client_for(client, invoice.practitioner.user)
    assert own.get(reverse("billing:invoice", args=[invoice.pk])).status_code == 200
    other = bookable_calendar().practitioner.user
    client.force_login(other)
    assert client.get(reverse("billing:invoice", args=[invoice.pk])).status_code == 404


def test_office_invoice_list_is_staff_only_and_totals_revenue(client, clinic):
    first, _ = _paid()
    second = issued_invoice()
    staff = StaffFactory()
    payment_record(invoice=second, method="cash", amount=Decimal("100"), by=staff)
    assert client_for(client, first.patient).get(reverse("billing:invoices")).status_code == 404
    response = client_for(client, staff).get(reverse("billing:invoices"))
    body = response.content.decode()
    assert response.status_code == 200
    assert first.number in body and second.number in body
    [inr] = response.context["revenues"]
    assert (inr.currency, inr.invoiced, inr.tax, inr.paid) == (
        "INR",
        Decimal("1298.00"),
        Decimal("198.00"),
        Decimal("749.00"),
    )
    assert inr.net == Decimal("1100.00")  # what the clinic keeps, without the GST
    assert "₹1,100.00" in body
    filtered = client.get(reverse("billing:invoices"), {"status": "paid"})
    assert filtered.context["revenues"][0].count == 1


def test_office_invoice_list_queries_are_bounded(client, clinic, django_assert_max_num_queries):
    staff = StaffFactory()
    cal = bookable_calendar()
    for i in range(6):
        issued_invoice(completed(cal, days_ago=1, hour=9 + i))
    client_for(client, staff)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("billing:invoices")).status_code == 200


def test_staff_record_a_payment_from_the_invoice_page(client, clinic):
    invoice = issued_invoice()
    staff = StaffFactory()
    c = client_for(client, staff)
    page = c.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()
    assert "Record payment" in page
    response = c.post(
        reverse("billing:payment_record", args=[invoice.pk]),
        {"method": "cash", "amount": "649.00", "reference": ""},
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.get().recorded_by == staff


def test_a_patient_cannot_record_a_payment(client, clinic):
    invoice = issued_invoice()
    response = client_for(client, invoice.patient).post(
        reverse("billing:payment_record", args=[invoice.pk]), {"method": "cash"}
    )
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_patient_gets_a_completed_visits_invoice_with_a_post_not_a_get(client, clinic):
    appointment = completed()
    c = client_for(client, appointment.patient)
    detail = c.get(reverse("appointment", args=[appointment.pk])).content.decode()
    link = reverse("billing:appointment_invoice", args=[appointment.pk])
    assert link in detail and "Get the invoice" in detail
    opened = c.get(link)  # a GET never writes: it leads back to the button
    assert opened["Location"] == reverse("appointment", args=[appointment.pk])
    assert not Invoice.objects.exists()
    response = c.post(link)
    invoice = Invoice.objects.get(appointment=appointment)
    assert response["Location"] == reverse("billing:invoice", args=[invoice.pk])
    assert c.get(link)["Location"] == response["Location"]
    assert c.post(link)["Location"] == response["Location"]
    assert Invoice.objects.count() == 1


def test_no_invoice_link_before_the_visit_for_the_patient(client, clinic):
    appointment = booked()
    c = client_for(client, appointment.patient)
    assert c.get(reverse("billing:appointment_invoice", args=[appointment.pk])).status_code == 404
    assert not Invoice.objects.exists()


def test_staff_issue_an_invoice_for_a_booked_visit(client, clinic):
    appointment = booked()
    c = client_for(client, StaffFactory())
    detail = c.get(reverse("appointment", args=[appointment.pk])).content.decode()
    assert "Issue invoice" in detail
    response = c.post(reverse("billing:appointment_invoice", args=[appointment.pk]))
    assert response.status_code == 302
    assert Invoice.objects.filter(appointment=appointment).exists()


def _snapshot():
    return (
        list(Invoice.objects.values()),
        list(Payment.objects.values()),
        list(CreditNote.objects.values()),
        list(DocumentSequence.objects.values()),
        list(BillingSettings.objects.values()),
    )


def test_opening_an_invoice_page_changes_nothing(client, clinic):
    pay_at_booking()
    invoice, _ = _paid()
    appointment_cancel(appointment=invoice.appointment, by=invoice.patient)
    before = _snapshot()
    for user in (invoice.patient, StaffFactory()):
        c = client_for(client, user)
        assert c.get(reverse("billing:invoice", args=[invoice.pk])).status_code == 200
        assert c.get(reverse("appointment", args=[invoice.appointment_id])).status_code == 200
    assert c.get(reverse("billing:settings")).status_code == 200  # staff
    assert _snapshot() == before
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID  # until the settling task runs
    run_billing_tasks()
    page = client.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()
    note = CreditNote.objects.get()
    assert note.number in page and "Refunded by the gateway" in page
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.REFUNDED


def test_staff_refund_part_of_an_invoice_from_its_page(client, clinic):
    invoice, payment = _paid()
    staff = StaffFactory()
    c = client_for(client, staff)
    page = c.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()
    assert reverse("billing:refund", args=[invoice.pk]) in page
    response = c.post(
        reverse("billing:refund", args=[invoice.pk]), {"amount": "200.00", "reason": "Ran late"}
    )
    assert response.status_code == 302
    note = CreditNote.objects.get()
    assert (note.amount, note.reason, note.issued_by) == (Decimal("200.00"), "Ran late", staff)
    assert note.payment == payment and note.refund_reference.startswith("sim_rfnd_")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_REFUNDED


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"amount": "100", "reason": ""}, "This field is required."),
        ({"amount": "700", "reason": "Too much"}, "at most 649.00"),
        ({"amount": "-5", "reason": "Negative"}, "greater than or equal to 0.01"),
    ],
)
def test_a_refund_form_with_errors_says_what_is_wrong(client, clinic, data, error):
    invoice, _ = _paid()
    c = client_for(client, StaffFactory())
    response = c.post(reverse("billing:refund", args=[invoice.pk]), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not CreditNote.objects.exists()


def test_a_patient_cannot_refund(client, clinic):
    invoice, _ = _paid()
    c = client_for(client, invoice.patient)
    response = c.post(reverse("billing:refund", args=[invoice.pk]), {"reason": "Please"})
    assert response.status_code == 404
    page = c.get(reverse("billing:invoice", args=[invoice.pk])).content.decode()
    assert reverse("billing:refund", args=[invoice.pk]) not in page
    assert not CreditNote.objects.exists()


def test_staff_change_the_billing_settings(client, clinic):
    staff = StaffFactory()
    assert client_for(client, PatientFactory()).get(reverse("billing:settings")).status_code == 404
    c = client_for(client, staff)
    assert c.get(reverse("billing:settings")).status_code == 200
    response = c.post(
        reverse("billing:settings"),
        {
            "payment_timing": "at_booking",
            "full_refund_hours": "48",
            "refund_no_show": "on",
        },
    )
    assert response.status_code == 302
    rules = BillingSettings.current()
    assert Clinic.current().payment_at_booking and rules.full_refund_hours == 48
    assert rules.refund_no_show
    shown = c.get(reverse("billing:settings")).context["form"]
    assert shown["payment_timing"].value() == "at_booking"
    bad = c.post(
        reverse("billing:settings"),
        {"payment_timing": "x", "full_refund_hours": "-1"},
    )
    assert bad.status_code == 400
    assert Clinic.current().payment_at_booking
    back = c.post(
        reverse("billing:settings"),
        {
            "payment_timing": "at_clinic",
            "full_refund_hours": "48",
        },
    )
    assert back.status_code == 302
    assert not Clinic.current().payment_at_booking
    assert not BillingSettings.current().refund_no_show
