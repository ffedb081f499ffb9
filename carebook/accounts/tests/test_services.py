import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction

from carebook.accounts.models import User
from carebook.accounts.services import user_approve, user_reactivate, user_suspend
from carebook.accounts.tests.factories import PatientFactory, StaffFactory
from carebook.clinic.models import Clinic
from carebook.clinic.services import patient_register
from carebook.core.errors import IllegalTransition, PermissionDenied

pytestmark = pytest.mark.django_db


def register(**kw):
    return patient_register(
        email=kw.pop("email", "Asha@Example.test"),
        password="long-enough-pw-1",
        full_name="Asha Rao",
        date_of_birth="1990-04-01",
        blood_group="O+",
        **kw,
    )


def test_register_patient_is_active_by_default_and_logs_in_by_email():
    user = register()
    assert user.email == "asha@example.test" and user.state == User.State.ACTIVE
    assert user.patient_profile.blood_group == "O+"
    assert authenticate(username="ASHA@example.test", password="long-enough-pw-1") == user


def test_register_waits_for_approval_when_the_clinic_wants_it():
    clinic = Clinic.current()
    clinic.patients_need_approval = True
    clinic.save()
    user = register()
    assert user.state == User.State.PENDING
    user_approve(user=user, by=StaffFactory())
    user.refresh_from_db()
    assert user.state == User.State.ACTIVE
    with pytest.raises(IllegalTransition):
        user_approve(user=user, by=StaffFactory())


def test_email_is_unique_whatever_the_case():
    register()
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ASHA@EXAMPLE.TEST", full_name="Other")


def test_suspended_user_cannot_log_in_until_reactivated():
    staff = StaffFactory()
    user = register()
    user_suspend(user=user, by=staff)
    assert authenticate(username=user.email, password="long-enough-pw-1") is None
    user_reactivate(user=user, by=staff)
    assert authenticate(username=user.email, password="long-enough-pw-1") is not None


def test_only_staff_manage_accounts_and_not_themselves():
    user = register()
    with pytest.raises(PermissionDenied):
        user_suspend(user=user, by=PatientFactory())
    staff = StaffFactory()
    with pytest.raises(IllegalTransition):
        user_suspend(user=staff, by=staff)


def test_database_keeps_login_flag_in_step_with_state():
    user = register()
    user.state = User.State.SUSPENDED  # is_active left True
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


def test_staff_role_is_admin_staff_others_are_not():
    assert StaffFactory().is_staff
    assert not PatientFactory().is_staff
    assert not StaffFactory(state=User.State.PENDING).is_staff


def test_account_changes_leave_an_audit_row_saying_who():
    from django.contrib.admin.models import LogEntry

    staff = StaffFactory()
    user = register()
    user_suspend(user=user, by=staff)
    with pytest.raises(IllegalTransition):
        user_suspend(user=user, by=staff)
    user_reactivate(user=user, by=staff)
    rows = LogEntry.objects.filter(object_id=str(user.pk)).order_by("pk")
    assert [(r.user_id, r.change_message) for r in rows] == [
        (staff.pk, "Account suspended"),
        (staff.pk, "Account reactivated"),
    ]
