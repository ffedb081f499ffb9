"""Slow down guessing without letting a stranger lock anyone out; DB-backed rate limits.

Logins: failures count per (account, client). After `FREE_FAILURES` failures of one email from
one client, each further attempt from that client waits 2^(n-3) seconds (n = its failures in
the last `MEMORY`), up to `MAX_DELAY`. A looser cap holds per client across every email
(`MAX_PER_IP` failures in `WINDOW`). The owner typing the right password from another client
is never slowed by a stranger's failures. Emails are compared after `identity.email_normalise`,
and an IPv6 client is its /64 (one subscriber's block), so neither a spelling nor a fresh
address buys more guesses.

`rate_limit_hit` is the same idea for actions that send mail or store messages (password reset,
contact form, sign-up, verification mail): a fixed number per key (address or email) per window.

Counted in the database so every web process sees the same numbers. The client address comes
from `client_ip`, which believes X-Forwarded-For only as far as CAREBOOK_TRUSTED_PROXIES says.
"""

import ipaddress
import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carebook.accounts.identity import email_normalise
from carebook.accounts.models import FailedLogin, RateLimitHit
from carebook.core.errors import DomainError

WINDOW = timedelta(minutes=15)
MEMORY = timedelta(days=1)
FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=15)
MAX_PER_IP = 30  # failures per client across every email, in WINDOW

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RateLimited(DomainError):
    """Too many of one action from one address or for one email; `retry_after` in seconds."""

    code = "rate_limited"
    default_message = _("Too many requests. Please wait a while and try again.")

    def __init__(self, message=None, *, retry_after: int = 60):
        self.retry_after = max(1, int(retry_after))
        super().__init__(message)


# --- the client's address ---------------------------------------------------------------------


def _address(value: str | None) -> IPAddress | None:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def trusted_proxies() -> int | list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """CAREBOOK_TRUSTED_PROXIES: a hop count ("1") or networks ("10.0.0.0/8, ::1"); 0 = none."""
    raw = getattr(settings, "CAREBOOK_TRUSTED_PROXIES", "") or ""
    if isinstance(raw, int):
        return max(raw, 0)
    items = [item.strip() for item in (raw.split(",") if isinstance(raw, str) else raw)]
    items = [item for item in items if item]
    if len(items) == 1 and items[0].isdigit():
        return int(items[0])
    return [ipaddress.ip_network(item, strict=False) for item in items]


def _client_from_chain(remote: IPAddress, forwarded: list[str], trusted) -> IPAddress:
    chain = [*forwarded, str(remote)]
    if isinstance(trusted, int):
        # Each trusted proxy appends the address it saw; the client is the one the outermost
        # trusted proxy saw. Anything further left was written by the client and is ignored.
        if trusted == 0:
            return remote
        return _address(chain[-(trusted + 1)] if len(chain) > trusted else chain[0]) or remote
    client = remote
    for entry in reversed(chain):
        address = _address(entry)
        if address is None:
            return client
        client = address
        if not any(address in network for network in trusted):
            return client
    return client


def client_ip(request) -> str | None:
    """The address of whoever sent `request`: REMOTE_ADDR, or from X-Forwarded-For through the
    proxies CAREBOOK_TRUSTED_PROXIES trusts. Also kept as `request.client_ip`."""
    cached = getattr(request, "_carebook_client_ip", False)
    if cached is not False:
        return cached
    remote = _address(request.META.get("REMOTE_ADDR"))
    ip = None
    if remote is not None:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        ip = str(_client_from_chain(remote, forwarded, trusted_proxies()))
    request._carebook_client_ip = ip
    request.client_ip = ip
    return ip


def client_key(ip: str | None) -> str | None:
    """What counts as one client: the IPv4 address, or the /64 an IPv6 address is in."""
    address = _address(ip)
    if address is None:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


# --- logins --------------------------------------------------------------------------------------


def delay_after(failures: int) -> timedelta:
    """How long after its last failure a client waits, once it has `failures` for an email."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    seconds = 2 ** min(failures - FREE_FAILURES, 30)  # capped before it can overflow
    return min(timedelta(seconds=seconds), MAX_DELAY)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(0, math.ceil((moment - now).total_seconds()))


def login_wait(*, email: str, ip: str | None, now: datetime | None = None) -> int:
    """Seconds this client must wait before trying this email again; 0 when it may try now.

    Use it for Retry-After.
    """
    now = now or timezone.now()
    email, client = email_normalise(email), client_key(ip)
    pair = FailedLogin.objects.filter(email=email, at__gte=now - MEMORY)
    pair = pair.filter(ip=client) if client else pair.filter(ip__isnull=True)
    times = list(pair.order_by("-at").values_list("at", flat=True)[:64])
    wait = 0
    if len(times) >= FREE_FAILURES:
        wait = _seconds_until(times[0] + delay_after(len(times)), now)
    if client:
        oldest_counted = (
            FailedLogin.objects.filter(ip=client, at__gte=now - WINDOW)
            .order_by("-at")
            .values_list("at", flat=True)[MAX_PER_IP - 1 : MAX_PER_IP]
        )
        for at in oldest_counted:
            wait = max(wait, _seconds_until(at + WINDOW, now))
    return wait


def login_blocked(*, email: str, ip: str | None) -> bool:
    """Whether this client must wait before trying this email (see `login_wait`)."""
    return login_wait(email=email, ip=ip) > 0


def login_failed(*, email: str, ip: str | None) -> None:
    FailedLogin.objects.create(email=email_normalise(email)[:254], ip=client_key(ip))
    FailedLogin.objects.filter(at__lt=timezone.now() - MEMORY).delete()


def login_succeeded(*, email: str, ip: str | None = None) -> None:
    """Forget this client's failures for the email (every client's when `ip` is not given)."""
    failures = FailedLogin.objects.filter(email=email_normalise(email))
    if ip is not None:
        failures = failures.filter(ip=client_key(ip))
    failures.delete()


# --- rate limits for mail and messages -----------------------------------------------------------


def rate_limit_wait(
    *, scope: str, limits: Iterable[tuple[str | None, int]], window: timedelta, now=None
) -> int:
    """Seconds until one more `scope` action is allowed for every (key, limit); 0 if now."""
    now = now or timezone.now()
    wait = 0
    for key, limit in limits:
        if not key:
            continue
        counted = (
            RateLimitHit.objects.filter(scope=scope, key=key[:254], at__gte=now - window)
            .order_by("-at")
            .values_list("at", flat=True)[limit - 1 : limit]
        )
        for at in counted:
            wait = max(wait, _seconds_until(at + window, now))
    return wait


def rate_limit_hit(
    *, scope: str, limits: Iterable[tuple[str | None, int]], window: timedelta
) -> int:
    """Count one `scope` action against each (key, limit) unless a key is at its limit.

    Keys say what they are ("client:10.0.0.1", "email:a@b.test"). Returns 0 when the action may
    go ahead (it is counted), else the seconds to wait (nothing is counted).
    """
    limits = [(key[:254], limit) for key, limit in limits if key]
    now = timezone.now()
    wait = rate_limit_wait(scope=scope, limits=limits, window=window, now=now)
    if wait:
        return wait
    RateLimitHit.objects.bulk_create(
        [RateLimitHit(scope=scope, key=key, at=now) for key in {key for key, _ in limits}]
    )
    RateLimitHit.objects.filter(scope=scope, at__lt=now - max(window, MEMORY)).delete()
    return 0


def client_limit_key(request) -> str | None:
    """The rate-limit key of the client that sent `request` ("client:<address or /64>")."""
    key = client_key(client_ip(request)) if request is not None else None
    return f"client:{key}" if key else None


def email_limit_key(email: str) -> str | None:
    email = email_normalise(email)
    return f"email:{email}" if email else None
