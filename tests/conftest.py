from carebook.api.tests.conftest import past_confirmed, world  # noqa: F401 - shared clinic
