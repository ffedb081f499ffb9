"""Where a webhook may go: a public https URL, checked when it is registered and again, after
resolving its host, every time it is sent (so a name that later resolves to 127.0.0.1 or the
cloud metadata address is refused: DNS rebinding). The sender connects to the very address
checked here, never resolving the name a second time.

`CAREBOOK_WEBHOOKS_ALLOW_PRIVATE=1` lifts the address check and allows plain http (development
and tests).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from carebook.core.errors import InvalidInput
from carebook.core.tasks import setting


class TargetRefused(InvalidInput):
    code = "webhook_target_refused"


def private_allowed() -> bool:
    value = setting("CAREBOOK_WEBHOOKS_ALLOW_PRIVATE", False)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(_("The host %(host)s does not resolve.") % {"host": host}) from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def url_check(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of a URL a webhook may be sent to, or TargetRefused."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(_("That is not a valid URL.")) from exc
    schemes = ("https", "http") if private_allowed() else ("https",)
    if parts.scheme not in schemes:
        raise TargetRefused(_("A webhook URL must start with https://."))
    if not parts.hostname:
        raise TargetRefused(_("That is not a valid URL."))
    if parts.username or parts.password:
        raise TargetRefused(_("Put no user name or password in the URL; the signature is enough."))
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def address_for(url: str) -> tuple[str, str, int, str]:
    """Check `url` and resolve its host: (scheme, host, port, the address to connect to).

    Every address the name resolves to must be public (one private answer is enough to refuse:
    which one a connection would use is not ours to choose), unless private targets are allowed.
    """
    scheme, host, port = url_check(url)
    addresses = resolve(host, port)
    if not addresses:
        raise TargetRefused(_("The host %(host)s does not resolve.") % {"host": host})
    if not private_allowed():
        for address in addresses:
            if not is_public(address):
                raise TargetRefused(
                    _(
                        "%(host)s is a loopback, private or reserved address (%(address)s); "
                        "webhooks go to public addresses only."
                    )
                    % {"host": host, "address": address}
                )
    return scheme, host, port, addresses[0]
