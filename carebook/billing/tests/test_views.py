from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.billing.models import CreditNote, Invoice, Payment
from carebook.billing.providers import PaymentDetails
from carebook.billing.services import payment_checkout, payment_record
from carebook.billing.tests.factories import (
    booked,
    completed,
    held,
    issued_invoice,
    local_start,
    pay_at_booking,
)
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_cancel
from carebook.booking.tests.factories import bookable_calendar
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
        details=PaymentDetails("card", card_number="4111111111111111"),
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
    assert response.context["revenue"].invoiced == Decimal("1298.00")
    assert response.context["revenue"].paid == Decimal("749.00")
    assert response.context["revenue"].net == Decimal("749.00")
    assert "₹749.00" in body
    filtered = client.get(reverse("billing:invoices"), {"status": "paid"})
    assert filtered.context["revenue"].count == 1


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


def test_patient_opening_a_completed_visits_invoice_issues_it(client, clinic):
    appointment = completed()
    c = client_for(client, appointment.patient)
    detail = c.get(reverse("appointment", args=[appointment.pk])).content.decode()
    link = reverse("billing:appointment_invoice", args=[appointment.pk])
    assert link in detail
    response = c.get(link)
    invoice = Invoice.objects.get(appointment=appointment)
    assert response["Location"] == reverse("billing:invoice", args=[invoice.pk])
    assert c.get(link)["Location"] == response["Location"]
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


def test_opening_the_invoice_of_a_cancelled_paid_visit_settles_the_refund(client, clinic):
    pay_at_booking()
    invoice, _ = _paid()
    appointment_cancel(appointment=invoice.appointment, by=invoice.patient)
    page = client_for(client, invoice.patient).get(reverse("billing:invoice", args=[invoice.pk]))
    assert page.status_code == 200
    note = CreditNote.objects.get()
    assert note.number in page.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.REFUNDED


def test_staff_change_the_billing_settings(client, clinic):
    from carebook.billing.models import BillingSettings

    staff = StaffFactory()
    assert client_for(client, PatientFactory()).get(reverse("billing:settings")).status_code == 404
    c = client_for(client, staff)
    assert c.get(reverse("billing:settings")).status_code == 200
    response = c.post(
        reverse("billing:settings"),
        {
            "payment_timing": "at_booking",
            "service_charge": "25.00",
            "gst_rate": "12.00",
            "full_refund_hours": "48",
        },
    )
    assert response.status_code == 302
    rules = BillingSettings.current()
    assert rules.pay_at_booking and rules.service_charge == Decimal("25.00")
    bad = c.post(
        reverse("billing:settings"),
        {"payment_timing": "x", "service_charge": "-1", "gst_rate": "12", "full_refund_hours": "1"},
    )
    assert bad.status_code == 400
    invoice = issued_invoice()
    assert invoice.total == Decimal("588.00")  # 525 + 6% + 6% = 588.00
