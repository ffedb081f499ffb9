"""Document uploads are refused by size before they are read in full (the web door)."""

import pytest
from django.test import Client

from carebook.core import limits
from carebook.records.models import MedicalDocument
from carebook.records.tests.factories import pdf_upload, visit

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


@pytest.fixture
def patient_client():
    patient = visit().patient
    client = Client()
    client.force_login(patient)
    return client, f"/records/patients/{patient.pk}/documents/"


def test_an_upload_far_over_the_limit_is_413_before_it_is_read(patient_client, monkeypatch):
    client, url = patient_client
    read = []
    monkeypatch.setattr(
        limits.UploadLimitHandler,
        "receive_data_chunk",
        lambda self, data, start: read.append(len(data)) or data,
    )
    response = client.post(url, {"title": "scan", "file": pdf_upload(size=6 * MB)})
    assert response.status_code == 413
    assert "Request too large" in response.content.decode()
    assert read == []  # refused on its Content-Length: no byte of the file was read
    assert not MedicalDocument.objects.exists()


def test_an_upload_just_over_the_limit_stops_at_the_limit(patient_client, monkeypatch):
    client, url = patient_client
    read = []
    original = limits.UploadLimitHandler.receive_data_chunk

    def counting(self, data, start):
        read.append(len(data))
        return original(self, data, start)

    monkeypatch.setattr(limits.UploadLimitHandler, "receive_data_chunk", counting)
    response = client.post(url, {"file": pdf_upload(size=5 * MB + 1024)}, follow=True)
    assert "The file is larger than 5 MB." in response.content.decode()
    assert sum(read) <= 5 * MB + 64 * 1024  # stopped in the chunk that passed the limit
    assert not MedicalDocument.objects.exists()


def test_an_upload_within_the_limit_is_stored(patient_client):
    client, url = patient_client
    response = client.post(url, {"file": pdf_upload(size=5 * MB)})
    assert response.status_code == 302
    assert MedicalDocument.objects.get().size == 5 * MB
