"""Documents at rest: encrypted under the first configured key, readable with any, rotated and
legacy plaintext files encrypted by `rotate_document_keys`."""

import hashlib
import logging
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client

from carebook.accounts.tests.factories import PatientFactory
from carebook.records import services, storage
from carebook.records.models import MedicalDocument
from carebook.records.tests.factories import pdf_upload, png_upload

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):
    """Set CAREBOOK_DOCUMENT_KEYS for the test: keys(NEW, OLD)."""

    def use(*keys):
        settings.CAREBOOK_DOCUMENT_KEYS = list(keys)

    use(OLD)
    return use


@pytest.fixture
def patient():
    return PatientFactory()


def upload(patient, file=None) -> MedicalDocument:
    return services.document_upload(patient=patient, by=patient, upload=file or pdf_upload())


def on_disk(document: MedicalDocument) -> bytes:
    return storage.path_of(document.storage_name).read_bytes()


def rotate(*args) -> str:
    out = StringIO()
    call_command("rotate_document_keys", *args, stdout=out)
    return out.getvalue()


def test_the_file_on_disk_is_ciphertext_not_the_upload(keys, patient):
    original = pdf_upload().read()
    document = upload(patient)
    stored = on_disk(document)
    assert stored != original and b"%PDF" not in stored and b"endobj" not in stored
    assert Fernet(OLD.encode()).decrypt(stored) == original
    assert (document.size, document.sha256) == (len(original), hashlib.sha256(original).hexdigest())
    assert storage.path_of(document.storage_name).stat().st_mode & 0o077 == 0


def test_download_returns_the_original_bytes(keys, patient):
    scan = png_upload()
    original = scan.read()
    document = upload(patient, scan)
    client = Client()
    client.force_login(patient)
    response = client.get(f"/records/documents/{document.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == original
    assert response["Content-Length"] == str(len(original))


def test_any_listed_key_decrypts_and_the_first_encrypts(keys, patient):
    before = upload(patient)
    keys(NEW, OLD)
    after = upload(patient)
    assert storage.read(before.storage_name) == storage.read(after.storage_name)
    assert Fernet(NEW.encode()).decrypt(on_disk(after)).startswith(b"%PDF-")
    keys(NEW)
    with pytest.raises(storage.DocumentUnreadable):
        storage.read(before.storage_name)


def test_rotation_with_two_keys_reencrypts_under_the_first_and_is_idempotent(keys, patient):
    first, second = upload(patient), upload(patient, png_upload())
    originals = {d.storage_name: storage.read(d.storage_name) for d in (first, second)}
    keys(NEW, OLD)
    out = rotate()
    assert "2 document files" in out and "2 rotated from an older key" in out
    keys(NEW)  # the old key can go now
    for name, original in originals.items():
        assert storage.read(name) == original
    again = rotate()
    assert "2 already under the first key" in again and "0 rotated" in again


def test_a_plaintext_file_from_before_encryption_is_served_then_encrypted(keys, patient):
    document = upload(patient)
    original = storage.read(document.storage_name)
    storage.path_of(document.storage_name).write_bytes(original)  # as written before encryption
    assert storage.read(document.storage_name) == original  # still served meanwhile
    out = rotate()
    assert "1 plaintext encrypted" in out
    assert on_disk(document) != original
    assert Fernet(OLD.encode()).decrypt(on_disk(document)) == original
    assert "1 already under the first key" in rotate()


def test_dry_run_writes_nothing(keys, patient):
    document = upload(patient)
    stored = on_disk(document)
    keys(NEW, OLD)
    assert "1 rotated" in rotate("--dry-run")
    assert on_disk(document) == stored


def test_a_file_no_key_opens_fails_the_command_and_the_others_still_rotate(keys, patient):
    lost = upload(patient)
    keys(NEW)
    kept = upload(patient)
    keys(NEW, Fernet.generate_key().decode())
    with pytest.raises(CommandError, match="could not be decrypted"):
        rotate()
    assert storage.read(kept.storage_name).startswith(b"%PDF-")
    with pytest.raises(storage.DocumentUnreadable):
        storage.read(lost.storage_name)


def test_an_interrupted_run_leaves_no_half_written_file_behind(keys, patient, private_dir):
    document = upload(patient)
    (private_dir / (document.storage_name + storage.TMP_SUFFIX)).write_bytes(b"half")
    assert "1 half-written leftovers removed" in rotate()
    assert sorted(p.name for p in private_dir.iterdir()) == [document.storage_name]


def test_without_keys_outside_debug_storing_is_refused(settings, patient):
    settings.CAREBOOK_DOCUMENT_KEYS = []
    settings.CAREBOOK_DOCUMENT_DEVELOPMENT_KEY = False
    with pytest.raises(ImproperlyConfigured, match="CAREBOOK_DOCUMENT_KEYS"):
        upload(patient)


def test_a_malformed_key_is_a_configuration_error(settings, patient):
    settings.CAREBOOK_DOCUMENT_KEYS = ["not-a-fernet-key"]
    with pytest.raises(ImproperlyConfigured, match="Fernet key"):
        upload(patient)


def test_debug_without_keys_uses_a_development_key_with_a_warning(
    settings, patient, caplog, monkeypatch
):
    settings.CAREBOOK_DOCUMENT_KEYS = []
    settings.CAREBOOK_DOCUMENT_DEVELOPMENT_KEY = True
    monkeypatch.setattr(storage, "_warned_dev_key", False)
    with caplog.at_level(logging.WARNING, logger="carebook.records.storage"):
        document = upload(patient)
    assert "development key" in caplog.text
    assert not on_disk(document).startswith(b"%PDF-")
    assert storage.read(document.storage_name).startswith(b"%PDF-")
