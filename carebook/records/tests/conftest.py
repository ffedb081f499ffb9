import pytest


@pytest.fixture(autouse=True)
def private_dir(settings, tmp_path):
    """Each test stores documents in its own private directory."""
    settings.RECORDS_PRIVATE_DIR = str(tmp_path / "private")
    return tmp_path / "private"
