"""Where uploaded medical documents live: a private directory outside the web root, encrypted.

The directory is derived from settings at call time (`RECORDS_PRIVATE_DIR`, else
`VAR_DIR / "private" / "documents"`) and must not lie under MEDIA_ROOT or STATIC_ROOT, which the
web server or proxy may serve directly. Files are named by a random token with no extension.

Each file holds a Fernet token (AES-128-CBC with HMAC-SHA256) of the upload, made with the first
key of `CAREBOOK_DOCUMENT_KEYS`; any key of the list decrypts, so keys rotate by putting a new key
first and running `manage.py rotate_document_keys`. A file written before encryption (it starts
with a PDF, JPEG or PNG signature) is still served as it is until that command encrypts it.
"""

import base64
import hashlib
import logging
import os
import secrets
from io import BytesIO
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from carebook.core.errors import InvalidInput

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
SNIFF_BYTES = 16

# The first bytes each accepted format starts with; the extension alone proves nothing.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/png": {".png"},
}


class DocumentUnreadable(OSError):
    """A stored file no configured key decrypts (a key was dropped too early, or tampering)."""


# --- Keys ------------------------------------------------------------------------------------

_warned_dev_key = False


def _development_key() -> bytes:
    global _warned_dev_key
    if not _warned_dev_key:
        _warned_dev_key = True
        logger.warning(
            "CAREBOOK_DOCUMENT_KEYS is not set: medical documents are encrypted with a "
            "development key derived from SECRET_KEY. Never run a clinic like this."
        )
    digest = hashlib.sha256(b"carebook.records.documents:" + settings.SECRET_KEY.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _keys() -> list[bytes]:
    configured = getattr(settings, "CAREBOOK_DOCUMENT_KEYS", None) or []
    if isinstance(configured, str):
        configured = configured.split(",")
    keys = [k.strip().encode() for k in configured if k.strip()]
    if keys:
        return keys
    # Settings allow this only when started with DEBUG (the test runner turns DEBUG off later).
    if getattr(settings, "CAREBOOK_DOCUMENT_DEVELOPMENT_KEY", False):
        return [_development_key()]
    raise ImproperlyConfigured("Set CAREBOOK_DOCUMENT_KEYS to encrypt medical documents.")


def _fernets() -> list[Fernet]:
    try:
        return [Fernet(key) for key in _keys()]
    except ValueError as exc:
        raise ImproperlyConfigured(
            "Each CAREBOOK_DOCUMENT_KEYS entry must be a Fernet key "
            "(32 url-safe base64-encoded bytes, as Fernet.generate_key() makes)."
        ) from exc


def _cipher() -> MultiFernet:
    """Encrypts with the first key, decrypts with any."""
    return MultiFernet(_fernets())


def _primary() -> Fernet:
    return _fernets()[0]


# --- Where the files are ---------------------------------------------------------------------


def private_dir() -> Path:
    configured = getattr(settings, "RECORDS_PRIVATE_DIR", None)
    path = Path(configured) if configured else Path(settings.VAR_DIR) / "private" / "documents"
    path = path.resolve()
    for public in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
        if public and path.is_relative_to(Path(public).resolve()):
            raise ImproperlyConfigured("Medical documents must not be stored under a public root.")
    return path


def sniff(head: bytes) -> str | None:
    """The content type these first bytes announce, if it is one we accept."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def check_upload(upload) -> str:
    """The content type of an acceptable upload; InvalidInput for a wrong size or type."""
    if upload.size is None or upload.size > MAX_BYTES:
        raise InvalidInput(_("The file is larger than 5 MB."))
    if upload.size == 0:
        raise InvalidInput(_("The file is empty."))
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise InvalidInput(_("Only PDF, JPEG and PNG files can be uploaded."))
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in EXTENSIONS[content_type]:
        raise InvalidInput(_("The file's name does not match its content (PDF, JPEG or PNG)."))
    return content_type


def _write_new(path: Path, data: bytes) -> None:
    """Create `path` readable by this user only; fail if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def store(upload) -> tuple[str, int, str]:
    """Encrypt the upload and write it under a fresh random name; (name, size, sha256) of the
    upload itself. The plaintext never touches the disk."""
    cipher = _primary()
    directory = private_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = secrets.token_hex(20)
    plain = bytearray()
    upload.seek(0)
    for chunk in upload.chunks():
        plain += chunk
        if len(plain) > MAX_BYTES:
            raise InvalidInput(_("The file is larger than 5 MB."))
    data = bytes(plain)
    _write_new(directory / name, cipher.encrypt(data))
    return name, len(data), hashlib.sha256(data).hexdigest()


def path_of(storage_name: str) -> Path:
    if not storage_name or not storage_name.isalnum():
        raise ValueError("bad storage name")
    return private_dir() / storage_name


def is_plaintext(stored: bytes) -> bool:
    """Whether stored bytes are a document written before encryption (not a Fernet token)."""
    return sniff(stored[:SNIFF_BYTES]) is not None


def read(storage_name: str) -> bytes:
    """The document's original bytes. OSError if the file is missing, DocumentUnreadable if no
    configured key decrypts it; ValueError for a malformed name."""
    path = path_of(storage_name)
    stored = path.read_bytes()
    if is_plaintext(stored):
        logger.warning("Document %s is not encrypted yet: run rotate_document_keys.", storage_name)
        return stored
    try:
        return _cipher().decrypt(stored)
    except InvalidToken as exc:
        logger.error("Document %s cannot be decrypted with any configured key.", storage_name)
        raise DocumentUnreadable(f"document {storage_name} cannot be decrypted") from exc


def open_plain(storage_name: str) -> BytesIO:
    """The document's original bytes as a file, for a response (errors as `read`)."""
    return BytesIO(read(storage_name))


def remove(storage_name: str) -> None:
    path_of(storage_name).unlink(missing_ok=True)


# --- Re-encryption ---------------------------------------------------------------------------

TMP_SUFFIX = ".rotating"


def stored_names() -> list[str]:
    """Every stored document file's name (whether or not a database row still names it)."""
    directory = private_dir()
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if p.is_file() and p.name.isalnum())


def remove_stale_temporaries() -> int:
    """Delete half-written files left by an interrupted re-encryption; how many."""
    directory = private_dir()
    if not directory.is_dir():
        return 0
    stale = [p for p in directory.iterdir() if p.name.endswith(TMP_SUFFIX)]
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)


def reencrypt(storage_name: str, *, dry_run: bool = False) -> str:
    """Bring one file under the first key: "current" (already), "rotated" (was under another
    key), "encrypted" (was plaintext), "missing"; DocumentUnreadable if no key opens it. The
    file is replaced atomically, so an interrupted run leaves every file readable."""
    path = path_of(storage_name)
    try:
        stored = path.read_bytes()
    except FileNotFoundError:
        return "missing"
    if is_plaintext(stored):
        outcome, data = "encrypted", (None if dry_run else _primary().encrypt(stored))
    else:
        try:
            _primary().decrypt(stored)
            return "current"
        except InvalidToken:
            pass
        try:
            data = _cipher().rotate(stored)
        except InvalidToken as exc:
            raise DocumentUnreadable(f"document {storage_name} cannot be decrypted") from exc
        outcome = "rotated"
    if not dry_run:
        temporary = path.with_name(path.name + TMP_SUFFIX)
        temporary.unlink(missing_ok=True)
        _write_new(temporary, data)
        os.replace(temporary, path)
    return outcome
