"""Compiled reads give what the ORM gives for the same query, for any argument, on both
databases (SQLite's booleans and decimals go through the same converters)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F

from carebook.clinic.models import Location, Practitioner, Service
from carebook.clinic.tests.factories import LocationFactory, PractitionerFactory, ServiceFactory
from carebook.core.compiled import Compiled

pytestmark = pytest.mark.django_db


def _services(pid):
    return Service.objects.filter(practitioner_id=pid, is_active=True)


def _with_user(pk):
    return Practitioner.objects.select_related("user").filter(pk=pk, verified_at__isnull=False)


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


@pytest.fixture
def two():
    a, b = PractitionerFactory(), PractitionerFactory(verified_at=None)
    ServiceFactory(practitioner=a, name="Short", duration_minutes=15, price=Decimal("250.50"))
    ServiceFactory(practitioner=a, name="Long", duration_minutes=60)
    ServiceFactory(practitioner=a, name="Gone", is_active=False)
    ServiceFactory(practitioner=b, name="Theirs")
    return a, b


def test_instances_match_the_orm_for_every_argument(two):
    read = Compiled(Service, _services)
    for p in two:
        got, want = read.rows(p.pk), list(_services(p.pk))
        assert [_fields(s) for s in got] == [_fields(s) for s in want]
        assert all(s._state.db == "default" and not s._state.adding for s in got)
    assert read.rows(10**9) == []
    assert type(read.rows(two[0].pk)[0].price) is Decimal


def test_select_related_fills_the_relation_without_another_query(two, django_assert_num_queries):
    read = Compiled(Practitioner, _with_user)
    with django_assert_num_queries(1):
        found = read.first(two[0].pk)
        assert found.user.full_name == two[0].user.full_name
    assert _fields(found.user) == _fields(_with_user(two[0].pk).get().user)
    assert read.first(two[1].pk) is None  # the filter's other conditions still hold


def test_values_lists_and_annotations(two):
    location = LocationFactory(is_active=False)
    names = Compiled(Service, lambda name: Service.objects.filter(name=name).values_list("pk"))
    assert names.rows("Short") == list(Service.objects.filter(name="Short").values_list("pk"))
    flat = Compiled(
        Location, lambda pk: Location.objects.filter(pk=pk).values_list("is_active", flat=True)
    )
    assert flat.rows(location.pk) == [False]  # a boolean, on SQLite too
    annotated = Compiled(
        Service, lambda pid: _services(pid).annotate(minutes=F("duration_minutes") * 2)
    )
    assert sorted(s.minutes for s in annotated.rows(two[0].pk)) == [30, 120]


def test_a_value_the_query_changes_before_sending_is_refused(two):
    # `icontains` sends '%value%': the marker is not among the parameters as given.
    with pytest.raises(ValueError, match="not a plain parameter"):
        Compiled(Service, lambda text: Service.objects.filter(name__icontains=text)).rows("Lo")


def test_id_lists_of_any_length_and_datetimes(two):
    a, b = two
    by_ids = Compiled(
        Service, lambda ids: Service.objects.filter(practitioner_id__in_ids=ids).values_list("pk")
    )
    for ids in ([a.pk, b.pk], [b.pk], [], (a.pk,)):
        want = Service.objects.filter(practitioner_id__in=list(ids)).values_list("pk")
        assert sorted(by_ids.rows(ids)) == sorted(want)
    since = Compiled(
        Practitioner,
        lambda at: Practitioner.objects.filter(verified_at__lte=at).values_list("pk", flat=True),
    )
    assert since.rows(a.verified_at) == [a.pk]
    assert since.rows(a.verified_at - timedelta(microseconds=1)) == []


def test_an_id_no_column_holds_gets_the_orm_s_answer(two):
    # SQLite refuses an integer beyond 64 bits; a URL's <int:pk> can carry one.
    assert Compiled(Practitioner, _with_user).rows(10**20) == []


def test_what_a_compiled_read_cannot_reproduce_is_refused(two):
    for build in (
        lambda pid: _services(pid).using("default"),
        lambda pid: _services(pid).prefetch_related("practitioner"),
        lambda pid: Location.objects.filter(pk=pid),  # not the model it was declared for
    ):
        with pytest.raises(ValueError):
            Compiled(Service, build).rows(two[0].pk)


def test_a_marker_its_lookup_refuses_and_extra_columns_are_refused(two):
    # A positive field's lookup refuses the negative marker (Django: an empty result).
    with pytest.raises(ValueError, match="refused by its lookup"):
        Compiled(Service, lambda m: Service.objects.filter(duration_minutes=m)).rows(15)
    # DISTINCT ordered by a column it does not return: the ORM selects and then drops it.
    extra = Compiled(
        Service,
        lambda pid: (
            Service.objects.filter(practitioner_id=pid)
            .order_by("name")
            .values_list("pk")
            .distinct()
        ),
    )
    with pytest.raises(ValueError, match="columns beyond"):
        extra.rows(two[0].pk)
