"""The replica router: which reads may go to a replica, and read-your-writes after a POST.

The `replica` fixture adds a second alias on the test database, as TEST MIRROR does: a
separate connection. The tests commit (transactional_db), since the router sends nothing to the
replica inside a transaction, and a test's own transaction would be one; each test records the
SQL every alias ran.
"""

from contextlib import ExitStack
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from carebook.accounts.models import ApiToken
from carebook.accounts.tests.factories import PatientFactory
from carebook.booking.models import Appointment
from carebook.booking.services import appointment_book
from carebook.booking.tests.factories import bookable_calendar
from carebook.clinic.models import Practitioner
from carebook.clinic.tests.factories import PractitionerFactory
from carebook.core.db_router import REPLICA, read_scope, replica_reads
from carebook.core.errors import SlotUnavailable
from carebook.core.read_your_writes import COOKIE, REPLICA_VIEWS

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # Monday 05:30 in Kolkata
NINE_IST = datetime(2026, 3, 3, 3, 30, tzinfo=UTC)


class Queries:
    """SQL each alias ran while the fixture is active."""

    def __init__(self):
        self.sql = {"default": [], REPLICA: []}

    def wrapper(self, alias):
        def record(execute, sql, params, many, context):
            self.sql[alias].append(sql)
            return execute(sql, params, many, context)

        return record

    def clear(self):
        for run in self.sql.values():
            run.clear()

    @property
    def replica(self):
        return self.sql[REPLICA]

    @property
    def primary(self):
        return self.sql["default"]


def _add_replica(**changes):
    conf = {**connections["default"].settings_dict, **changes}
    conf["TEST"] = {**conf["TEST"], "MIRROR": "default"}
    connections.settings[REPLICA] = conf


def _remove_replica():
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture(scope="module")
def replica_alias(django_db_setup):
    """The alias exists before each test starts, so a test may list it in its databases."""
    _add_replica()
    yield
    _remove_replica()


@pytest.fixture
def replica(replica_alias):
    queries = Queries()
    with ExitStack() as stack:
        for alias in ("default", REPLICA):
            stack.enter_context(connections[alias].execute_wrapper(queries.wrapper(alias)))
        yield queries


with_replica = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def reads_from():
    return Practitioner.objects.all().db


# --- the router's decisions ---------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_replica_everything_reads_the_primary():
    configured = connections.settings.pop(REPLICA, None)
    try:
        with replica_reads():
            assert reads_from() == "default"
            assert Practitioner.objects.select_for_update().db == "default"
    finally:
        if configured is not None:
            connections.settings[REPLICA] = configured


@with_replica
def test_only_code_that_opts_in_reads_the_replica(replica):
    assert reads_from() == "default"
    with replica_reads():
        assert reads_from() == REPLICA
        assert Practitioner.objects.select_for_update().db == "default"
    assert reads_from() == "default"


@with_replica
def test_nothing_inside_a_transaction_reads_the_replica(replica):
    with replica_reads():
        with transaction.atomic():
            assert reads_from() == "default"
        assert reads_from() == REPLICA


@with_replica
def test_a_write_pins_the_rest_of_its_scope_to_the_primary(replica):
    with replica_reads():
        PractitionerFactory()
        assert reads_from() == "default"
    with replica_reads():
        assert reads_from() == REPLICA  # a new scope


@with_replica
def test_a_pinned_scope_ignores_replica_reads(replica):
    with read_scope(pinned=True), replica_reads():
        assert reads_from() == "default"


@with_replica
@pytest.mark.parametrize("model", [Session, ApiToken, DBTaskResult])
def test_who_is_asking_and_the_task_queue_are_read_from_the_primary(replica, model):
    with replica_reads():
        assert model.objects.all().db == "default"


@with_replica
def test_writes_always_go_to_the_primary(replica):
    with replica_reads():
        p = PractitionerFactory()
        p.years_experience = 7
        p.save()
    assert not any(sql.lstrip().upper().startswith(("INSERT", "UPDATE")) for sql in replica.replica)


# --- a booking never trusts the replica ---------------------------------------------------------


@with_replica
def test_a_bookings_recheck_reads_only_the_primary(replica):
    """Even called where replica reads are allowed, the booking's check runs on the primary."""
    cal = bookable_calendar()
    first, second = PatientFactory(), PatientFactory()
    args = dict(
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=NINE_IST,
        mode="in_person",
    )
    replica.clear()
    with replica_reads():
        appointment_book(patient=first, by=first, **args)
        with pytest.raises(SlotUnavailable):
            appointment_book(patient=second, by=second, **args)
    assert replica.replica == []
    assert Appointment.objects.count() == 1


@with_replica
def test_a_taken_slot_booked_over_http_is_refused_by_the_primary(replica, client):
    cal = bookable_calendar()
    taken_by = PatientFactory()
    appointment_book(
        patient=taken_by,
        by=taken_by,
        practitioner=cal.practitioner,
        service=cal.service,
        location=cal.location,
        start=NINE_IST,
        mode="in_person",
    )
    client.force_login(PatientFactory())
    replica.clear()
    response = client.post(
        "/book/",
        {
            "practitioner": cal.practitioner.pk,
            "service": cal.service.pk,
            "location": cal.location.pk,
            "start": NINE_IST.isoformat(),
            "mode": "in_person",
            "reason": "cough",
        },
    )
    assert response.status_code == 409
    assert replica.replica == []


# --- read-your-writes over HTTP -------------------------------------------------------------------


def api_directory(client):
    response = client.get("/api/v1/practitioners")
    assert response.status_code == 200
    return response.json()


@with_replica
def test_the_directory_reads_the_replica_and_answers_the_same(replica, client):
    for _ in range(3):
        bookable_calendar()
    replica.clear()
    from_replica = api_directory(client)
    assert replica.replica, "the directory should have read the replica"
    page = client.get("/practitioners/")
    assert page.status_code == 200 and len(page.context["entries"]) == 3

    _remove_replica()
    try:
        assert api_directory(client) == from_replica
    finally:
        _add_replica()


@with_replica
def test_after_a_post_the_session_reads_the_primary_for_a_while(replica, client, settings):
    bookable_calendar()
    response = client.post("/contact/", {})  # any POST, even one that changes nothing
    assert COOKIE in response.cookies
    assert response.cookies[COOKIE]["max-age"] == settings.CAREBOOK_REPLICA_PIN_SECONDS

    replica.clear()
    api_directory(client)
    client.get("/practitioners/")
    assert replica.replica == []

    later = NOW + timedelta(seconds=settings.CAREBOOK_REPLICA_PIN_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        api_directory(client)
    assert replica.replica


@with_replica
def test_pages_off_the_list_read_the_primary(replica, client):
    client.force_login(PatientFactory())
    replica.clear()
    assert client.get("/appointments/").status_code == 200
    assert client.get("/api/v1/specialties").status_code == 200
    assert replica.replica  # the listed one did
    replica.clear()
    assert client.get("/appointments/").status_code == 200
    assert replica.replica == []


@with_replica
def test_a_replica_that_is_down_leaves_the_directory_to_the_primary(replica_alias, client):
    _remove_replica()
    if connections["default"].vendor == "postgresql":
        _add_replica(HOST="127.0.0.1", PORT=1)
    else:
        _add_replica(NAME="/nonexistent/carebook/replica.sqlite3")
    try:
        bookable_calendar()
        assert api_directory(client)["count"] == 1
    finally:
        _remove_replica()
        _add_replica()


@pytest.mark.parametrize("name", sorted(REPLICA_VIEWS))
def test_every_listed_view_exists(name):
    kwargs = {}
    if name in ("practitioner", "slot_picker"):
        kwargs = {"pk": 1}
    elif name in ("api:practitioner_detail", "api:practitioner_slots"):
        kwargs = {"practitioner_id": 1}
    assert reverse(name, kwargs=kwargs)


@with_replica
def test_an_anonymous_visitor_browsing_reads_nothing_from_the_primary(replica, client):
    practitioner = bookable_calendar().practitioner
    replica.clear()
    assert client.get("/practitioners/").status_code == 200
    assert client.get(f"/practitioners/{practitioner.pk}/").status_code == 200
    assert replica.primary == []
    assert replica.replica
