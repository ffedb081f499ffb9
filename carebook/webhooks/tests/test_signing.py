from datetime import UTC, datetime

import pytest

from carebook.core.errors import InvalidInput
from carebook.webhooks.secrets import (
    SecretUnreadable,
    secret_check,
    secret_decrypt,
    secret_encrypt,
    secret_generate,
)
from carebook.webhooks.targets import is_public
from carebook.webhooks.tasks import signed_headers


def test_signature_matches_the_standard_webhooks_test_vector():
    # The example of the Standard Webhooks specification (spec/standard-webhooks.md).
    headers = signed_headers(
        msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        body='{"test": 2432232314}',
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        at=datetime.fromtimestamp(1614265330, UTC),
    )
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }


def test_secrets_are_generated_in_the_spec_form_and_checked():
    secret = secret_generate()
    assert secret.startswith("whsec_") and secret_check(secret) == secret
    assert secret != secret_generate()
    for bad in ("whsec_", "whsec_c2hvcnQ=", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!!"):
        with pytest.raises(InvalidInput):
            secret_check(bad)


def test_stored_secrets_survive_a_secret_key_rotation_through_the_fallbacks(settings):
    settings.SECRET_KEY = "old-key-" + "x" * 50
    token = secret_encrypt("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    assert "MfKQ9r8G" not in token
    settings.SECRET_KEY = "new-key-" + "y" * 50
    with pytest.raises(SecretUnreadable):
        secret_decrypt(token)
    settings.SECRET_KEY_FALLBACKS = ["old-key-" + "x" * 50]
    assert secret_decrypt(token) == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fd00::1", False),
        ("fe80::1%eth0", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_only_global_unicast_addresses_are_public(address, public):
    assert is_public(address) is public
