"""The demo's second factor: the staff and doctor logins share one fixed, documented TOTP key."""

from base64 import b32decode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from carebook.accounts.mfa import totp_uri
from carebook.accounts.models import User
from carebook.demo.logins import DEMO_TOTP_LOGINS, DEMO_TOTP_SECRET
from carebook.demo.summary import Summary


def demo_totp_key_hex() -> str:
    return b32decode(DEMO_TOTP_SECRET).hex()


def demo_totp_uri(email: str) -> str:
    return totp_uri(email=email, key_hex=demo_totp_key_hex())


def demo_totp_code() -> str:
    """The code an authenticator with the demo key shows now."""
    return f"{TOTP(b32decode(DEMO_TOTP_SECRET)).token():06d}"


def seed_demo_mfa(*, summary: Summary) -> None:
    """Give the demo staff and doctor an authenticator with the demo key, once."""
    for user in User.objects.filter(email__in=DEMO_TOTP_LOGINS):
        if TOTPDevice.objects.filter(user=user).exists():
            continue
        TOTPDevice.objects.create(
            user=user, name="Authenticator app (demo)", key=demo_totp_key_hex(), confirmed=True
        )
        summary.count("authenticators", True)
