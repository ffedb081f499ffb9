from carebook.core.tasks import retry_backoff
from carebook.notifications import conf


def test_settings_win_then_the_environment_then_the_default(settings, monkeypatch):
    settings.CAREBOOK_BASE_URL = "https://book.clinic.example/"
    monkeypatch.setenv("CAREBOOK_BASE_URL", "https://from-env.example")
    assert conf.absolute("/appointments/1/") == "https://book.clinic.example/appointments/1/"
    del settings.CAREBOOK_BASE_URL
    assert conf.base_url() == "https://from-env.example"
    monkeypatch.delenv("CAREBOOK_BASE_URL")
    assert conf.base_url() == "http://127.0.0.1:8000"


def test_backoff_doubles_and_is_capped(settings):
    settings.CAREBOOK_TASK_RETRY_BACKOFF_SECONDS = 30
    assert [retry_backoff(n).total_seconds() for n in (1, 2, 3, 9)] == [30, 60, 120, 3600]
