from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Prefetch

from carebook.accounts.models import User
from carebook.booking.models import Appointment, AppointmentHistory
from carebook.clinic.models import Clinic, Location, Practitioner, Specialty
from carebook.core.timeutils import now as utcnow
from carebook.demo import logins
from carebook.scheduling.models import AvailabilityWindow

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    """Every row of every table, so a second run that changes anything shows up."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models()
    }


@pytest.fixture
def seeded():
    return seed()


def test_second_run_changes_nothing():
    first = seed()
    before = snapshot()

    second = seed()

    assert snapshot() == before
    assert "nothing changed" in second
    for output in (first, second):
        for email, password in (logins.STAFF_LOGIN, logins.DOCTOR_LOGIN, logins.PATIENT_LOGIN):
            assert email in output and password in output
        assert "http://127.0.0.1:8000/admin/" in output


def test_demo_clinic_has_places_people_and_specialties(seeded):
    clinic = Clinic.current()
    assert clinic.gstin and "India" in clinic.address
    assert not clinic.patients_need_approval

    assert Location.objects.count() >= 3
    assert Location.objects.filter(time_zone="Asia/Kolkata").count() >= 2
    assert Location.objects.exclude(time_zone="Asia/Kolkata").exists()

    assert Specialty.objects.count() >= 6
    verified = Practitioner.objects.filter(verified_at__isnull=False)
    assert verified.count() >= 12
    assert not verified.exclude(user__state=User.State.ACTIVE).exists()
    assert {p.kind for p in verified} == {Practitioner.Kind.DOCTOR, Practitioner.Kind.THERAPIST}
    for practitioner in verified:
        assert 1 <= practitioner.services.count() <= 3
        assert practitioner.windows.exists()
        assert practitioner.booking_rules.max_days_ahead == 60
    pending = Practitioner.objects.get(verified_at__isnull=True)
    assert pending.user.state == User.State.PENDING

    patients = User.objects.filter(role=User.Role.PATIENT)
    assert patients.count() >= 11
    assert not patients.filter(patient_profile__isnull=True).exists()


def test_demo_logins_authenticate(seeded):
    staff = authenticate(username=logins.STAFF_LOGIN[0], password=logins.STAFF_LOGIN[1])
    doctor = authenticate(username=logins.DOCTOR_LOGIN[0], password=logins.DOCTOR_LOGIN[1])
    patient = authenticate(username=logins.PATIENT_LOGIN[0], password=logins.PATIENT_LOGIN[1])

    assert staff is not None and staff.is_staff
    assert doctor is not None and doctor.practitioner.is_verified
    assert patient is not None and patient.is_patient and patient.patient_profile.date_of_birth


S = Appointment.Status
# "held" is the API's few-minute reservation: a demo has no business keeping one.
STATUSES = {S.REQUESTED, S.CONFIRMED, S.REJECTED, S.CANCELLED, S.COMPLETED, S.NO_SHOW}


def test_demo_has_every_status_and_a_rescheduled_pair(seeded):
    assert set(Appointment.objects.values_list("status", flat=True)) == STATUSES

    mine = Appointment.objects.filter(patient__email=logins.PATIENT_LOGIN[0])
    assert set(mine.values_list("status", flat=True)) == STATUSES
    assert Appointment.objects.filter(practitioner__user__email=logins.DOCTOR_LOGIN[0]).count() > 5

    moved = Appointment.objects.filter(rescheduled_from__isnull=False)
    assert moved.exists()
    for new in moved:
        assert new.rescheduled_from.status == Appointment.Status.CANCELLED
        assert new.rescheduled_from.history.filter(action="reschedule").exists()

    now = utcnow()
    assert Appointment.objects.filter(start__lt=now).exists()
    assert Appointment.objects.filter(start__gt=now).exists()
    # Nothing in the past is still waiting; nothing in the future is already over.
    assert not Appointment.objects.filter(
        end__lt=now, status__in=Appointment.ACTIVE_STATUSES
    ).exists()
    assert not Appointment.objects.filter(
        start__gt=now, status__in=[Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW]
    ).exists()


def test_no_two_active_appointments_overlap(seeded):
    active = Appointment.objects.filter(status__in=Appointment.ACTIVE_STATUSES)
    for key, interval in (
        ("practitioner_id", ("hold_start", "hold_end")),
        ("patient_id", ("start", "end")),
    ):
        seen: dict[int, list] = {}
        for owner, start, end in active.values_list(key, *interval):
            seen.setdefault(owner, []).append((start, end))
        for intervals in seen.values():
            intervals.sort()
            for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
                assert end <= start, f"overlapping active appointments of {key}"


def test_every_appointment_lies_in_its_practitioners_hours(seeded):
    windows = list(AvailabilityWindow.objects.all())
    for appointment in Appointment.objects.select_related("location"):
        start, end = appointment.local_start, appointment.local_end
        assert start.date() == end.date()
        assert any(
            w.practitioner_id == appointment.practitioner_id
            and w.location_id == appointment.location_id
            and w.weekday == start.weekday()
            and w.start_time <= start.time()
            and end.time() <= w.end_time
            for w in windows
        ), appointment
        assert appointment.hold_start <= appointment.start
        assert appointment.hold_end >= appointment.end


def test_history_tells_each_appointments_story_in_order(seeded):
    now = utcnow()
    by_id = Prefetch("history", queryset=AppointmentHistory.objects.order_by("id"))
    for appointment in Appointment.objects.prefetch_related(by_id):
        rows = list(appointment.history.all())
        assert rows[0].action in ("booked", "rescheduled")
        assert rows[-1].to_status == appointment.status
        assert [r.at for r in rows] == sorted(r.at for r in rows)
        assert rows[0].at == appointment.created_at
        assert rows[-1].at == appointment.updated_at
        assert rows[-1].at <= now
        if appointment.status in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
            assert rows[-1].at >= appointment.start
    assert AppointmentHistory.objects.count() > Appointment.objects.count()


def test_other_demo_accounts_share_one_password(seeded):
    for email in ("arjun.iyer@carebook.test", "rohan.verma@carebook.test"):
        assert authenticate(username=email, password=logins.OTHERS_PASSWORD) is not None
    assert authenticate(username=logins.DOCTOR_LOGIN[0], password=logins.OTHERS_PASSWORD) is None
