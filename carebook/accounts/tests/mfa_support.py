"""Test support: give a user an authenticator and type the code it shows (tests and e2e)."""

import time

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from carebook.accounts import mfa

KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key


def enrol(user, key_hex: str = KEY) -> TOTPDevice:
    """An authenticator for `user` (replacing any), without recovery codes."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name="test", key=key_hex, confirmed=True)


def enrol_with_codes(user, key_hex: str = KEY) -> list[str]:
    """An authenticator through the service, as at a first login; its recovery codes."""
    device = TOTPDevice(key=key_hex)
    code = f"{totp(device.bin_key):06d}"
    codes = mfa.mfa_enrol(user=user, key_hex=key_hex, code=code)
    return codes


def code_for(user) -> str:
    """A code `user`'s authenticator shows that the server has not seen yet (a code works
    once: a second login in the same 30 seconds takes the next one, within the tolerance)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    step = int(time.time()) // device.step
    # The code shown now: it stays valid into the next step (tolerance), so a step boundary
    # between here and the server's check cannot make it too old.
    target = max(device.last_t + 1, step + device.drift)
    if target > step + device.drift + device.tolerance:
        time.sleep(device.step - time.time() % device.step + 0.1)
        return code_for(user)
    return f"{totp(device.bin_key, drift=target - step):06d}"
