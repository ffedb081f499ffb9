"""The admin shows patient profiles (birth date, blood group, contacts): each view is a logged
clinical read through the admin door."""

import pytest
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.core.access_log import AccessLog

pytestmark = pytest.mark.django_db
PROFILE = AccessLog.What.PATIENT_PROFILE


def staff_client():
    staff = StaffFactory()
    client = Client()
    client.force_login(staff)
    return staff, client


def test_patient_profile_change_page_is_logged():
    patient = PatientFactory()
    staff, client = staff_client()
    url = f"/admin/accounts/patientprofile/{patient.patient_profile.pk}/change/"
    assert client.get(url).status_code == 200
    row = AccessLog.objects.get()
    assert (row.by, row.patient, row.what, row.door) == (staff, patient, PROFILE, "admin")
    assert row.object_id == patient.patient_profile.pk and row.path == url


def test_patient_profile_list_logs_each_profile_shown():
    patients = [PatientFactory() for _ in range(3)]
    staff, client = staff_client()
    assert client.get("/admin/accounts/patientprofile/").status_code == 200
    assert set(AccessLog.objects.values_list("patient", flat=True)) == {p.pk for p in patients}
    assert set(AccessLog.objects.values_list("door", "what")) == {("admin", PROFILE)}


def test_user_change_page_of_a_patient_logs_the_profile_inline():
    patient = PatientFactory()
    staff, client = staff_client()
    assert client.get(f"/admin/accounts/user/{patient.pk}/change/").status_code == 200
    assert list(AccessLog.objects.values_list("patient", "what")) == [(patient.pk, PROFILE)]
    assert client.get(f"/admin/accounts/user/{staff.pk}/change/").status_code == 200
    assert AccessLog.objects.count() == 1
