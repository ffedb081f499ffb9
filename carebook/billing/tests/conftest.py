import pytest

from carebook.billing.tests.factories import demo_clinic


@pytest.fixture
def clinic(db):
    return demo_clinic()
