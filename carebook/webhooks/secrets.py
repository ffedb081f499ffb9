"""Endpoint signing secrets: `whsec_` + base64 of random bytes (Standard Webhooks), stored
encrypted.

The encryption key is derived from SECRET_KEY, and every key in SECRET_KEY_FALLBACKS still
decrypts, so Django's own key rotation keeps the secrets readable. A database copy alone gives
no one the power to sign as carebook.
"""

import base64
import binascii
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext as _

from carebook.core.errors import InvalidInput

PREFIX = "whsec_"
SECRET_BYTES = 32
MIN_BYTES, MAX_BYTES = 24, 64  # the spec's bounds


class SecretUnreadable(Exception):
    """No SECRET_KEY (current or fallback) decrypts the stored secret."""


def secret_generate() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_check(secret: str) -> str:
    """The given secret if it is `whsec_` + base64 of 24 to 64 bytes, else InvalidInput."""
    secret = secret.strip()
    try:
        raw = base64.b64decode(secret.removeprefix(PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if not secret.startswith(PREFIX) or not MIN_BYTES <= len(raw) <= MAX_BYTES:
        raise InvalidInput(
            _("A secret is whsec_ followed by %(min)d to %(max)d bytes in base64.")
            % {"min": MIN_BYTES, "max": MAX_BYTES}
        )
    return secret


def _fernet(key: str) -> Fernet:
    digest = hashlib.sha256(b"carebook.webhooks.secrets:" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _cipher() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(k) for k in keys])


def secret_encrypt(secret: str) -> str:
    return _cipher().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("No SECRET_KEY decrypts this webhook secret.") from exc
