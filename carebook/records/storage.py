"""Where uploaded medical documents live: a private directory outside the web root.

The directory is derived from settings at call time (`RECORDS_PRIVATE_DIR`, else
`VAR_DIR / "private" / "documents"`) and must not lie under MEDIA_ROOT or STATIC_ROOT, which the
web server or proxy may serve directly. Files are named by a random token with no extension.
"""

import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from carebook.core.errors import InvalidInput

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


def store(upload) -> tuple[str, int, str]:
    """Write the upload under a fresh random name; (name, size, sha256)."""
    directory = private_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = secrets.token_hex(20)
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    with open(directory / name, "xb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > MAX_BYTES:
                out.close()
                (directory / name).unlink(missing_ok=True)
                raise InvalidInput(_("The file is larger than 5 MB."))
            digest.update(chunk)
            out.write(chunk)
    return name, size, digest.hexdigest()


def path_of(storage_name: str) -> Path:
    if not storage_name or not storage_name.isalnum():
        raise ValueError("bad storage name")
    return private_dir() / storage_name


def remove(storage_name: str) -> None:
    path_of(storage_name).unlink(missing_ok=True)
