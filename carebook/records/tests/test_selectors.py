import pytest

from carebook.records import services
from carebook.records.selectors import practitioner_ids_by_rating, ratings_for
from carebook.records.tests.factories import visit

pytestmark = pytest.mark.django_db


def test_ratings_for_is_one_query_and_ignores_hidden(django_assert_num_queries):
    from carebook.accounts.tests.factories import StaffFactory

    first = visit()
    second = visit()
    r1 = services.review_create(appointment=first, by=first.patient, rating=2)
    services.review_create(appointment=second, by=second.patient, rating=5)
    ids = [first.practitioner_id, second.practitioner_id]
    with django_assert_num_queries(1):
        ratings = ratings_for(ids)
    assert ratings[first.practitioner_id].avg == 2.0
    assert practitioner_ids_by_rating(ids) == [second.practitioner_id, first.practitioner_id]
    services.review_hide(review=r1, by=StaffFactory())
    assert first.practitioner_id not in ratings_for(ids)
    assert practitioner_ids_by_rating(ids)[0] == second.practitioner_id
