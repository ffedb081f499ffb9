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
        # IPv6 forms that carry an IPv4 address: judged by the IPv4 inside.
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b::5db8:d822", True),  # NAT64 of 93.184.216.34
        ("64:ff9b:1::a00:1", False),  # local-use NAT64
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", False),  # 6to4 of 169.254.169.254
        ("::127.0.0.1", False),  # IPv4-compatible
        ("::a9fe:a9fe", False),
        ("::5db8:d822", True),  # IPv4-compatible 93.184.216.34
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),  # Teredo, client 127.0.0.1
        ("2001:0:7f00:1:8000:63bf:a2db:d7dd", False),  # Teredo, server 127.0.0.1
        ("2001:0:5db8:d822::a2db:d7dd", False),  # Teredo, both public: still not global
        ("fec0::1", False),  # site-local (deprecated, still routed inside some networks)
        ("ff02::1", False),
    ],
)
def test_only_global_unicast_addresses_are_public(address, public):
    assert is_public(address) is public
