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


NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a packet to `ip` may end up at: mapped, 6to4, Teredo (server and
    client), NAT64 (the last 32 bits) and IPv4-compatible forms."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    if any(ip in net for net in NAT64) or ip in IPV4_COMPATIBLE:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def _global(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not ip.is_multicast


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return _global(ip)
    embedded = _embedded_ipv4(ip)
    if ip.ipv4_mapped is not None or ip in IPV4_COMPATIBLE:
        return _global(embedded[0])  # the IPv4 address itself, in IPv6 clothing
    # fec0::/10 is deprecated but still routed inside some networks; Python counts it global.
    return _global(ip) and not ip.is_site_local and all(_global(v4) for v4 in embedded)


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(_("The host %(host)s does not resolve.") % {"host": host}) from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


def url_check(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of a URL a webhook may be sent to, or TargetRefused."""
    if not url.isascii():
        # Refused rather than encoded for the sender: what is registered is what is sent.
        raise TargetRefused(
            _(
                "Write the URL in ASCII: percent-encode other characters (é is %C3%A9) and "
                "give an international host name in its xn-- form."
            )
        )
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
