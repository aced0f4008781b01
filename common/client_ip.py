"""The client's IP address, resolved one way for every door (frontend API, admin, gateway).

`REMOTE_ADDR` is the peer. `X-Forwarded-For` is believed only when that peer is one of `TRUSTED_PROXIES`; then the
client is the right-most address in the chain that is not itself a trusted proxy (the left-most entries are
whatever the client chose to send, so they prove nothing).
"""

import ipaddress
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(
        ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip()
    )


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 client reaching an IPv6 socket shows up as ::ffff:a.b.c.d; whitelists are written in IPv4.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: tuple[IPNetwork, ...]
) -> bool:
    return any(address.version == net.version and address in net for net in nets)


def client_ip(request: HttpRequest) -> str | None:
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    trusted = _networks(tuple(settings.TRUSTED_PROXIES))
    if not trusted or not _trusted(peer, trusted):
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _parse(hop)
        if address is None:
            # A garbled hop: stop believing the chain and fall back to the last address we trust.
            break
        if not _trusted(address, trusted):
            return str(address)
        peer = address
    return str(peer)


def peer_is_trusted_proxy(request: HttpRequest) -> bool:
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    trusted = _networks(tuple(settings.TRUSTED_PROXIES))
    return peer is not None and bool(trusted) and _trusted(peer, trusted)


# Headers only a proxy of ours may set; from anyone else they are dropped before any code reads them.
# (X-Forwarded-For is not here: `client_ip` already believes it only from a trusted proxy.)
PROXY_ONLY_HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")


class TrustedProxyHeadersMiddleware:
    """Make `SECURE_PROXY_SSL_HEADER` mean "the proxy says HTTPS": a client that reaches the app directly
    cannot claim HTTPS (secure cookies, no redirect, CSRF's https rules) by sending X-Forwarded-Proto."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not peer_is_trusted_proxy(request):
            for header in PROXY_ONLY_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
