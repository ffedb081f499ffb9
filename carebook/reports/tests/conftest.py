from carebook.api.tests.conftest import world  # noqa: F401 - the shared clinic
