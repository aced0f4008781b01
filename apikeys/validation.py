"""Input rules shared by the services and the serializers (refuse early, with the same words at both doors)."""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings

from apikeys.errors import InvalidApiKeyNameError, InvalidIpWhitelistError, InvalidPermissionError
from apikeys.models import Permission

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
NAME_MAX_LENGTH = 64


def name_normalize(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX_LENGTH:
        raise InvalidApiKeyNameError(details={"field": "name"})
    return name


def permissions_normalize(permissions: Iterable[str]) -> frozenset[str]:
    """The permission set with Read added (it is always on). Raises `InvalidPermissionError` naming the value."""
    result = {Permission.READ.value}
    for value in permissions:
        if value not in Permission.values:
            raise InvalidPermissionError(
                f"Unknown permission {value!r}; use {', '.join(Permission.values)}.",
                details={"field": "permissions", "entry": str(value)},
            )
        result.add(str(value))
    return frozenset(result)


def _entry_normalize(entry: str) -> str:
    text = entry.strip() if isinstance(entry, str) else ""
    if not text:
        raise InvalidIpWhitelistError(
            f"IP whitelist entry {entry!r} is not an IP address or CIDR range.",
            details={"field": "ip_whitelist", "entry": str(entry)},
        )
    try:
        # strict=False: "192.168.1.7/24" means the /24 it lies in; normalised to "192.168.1.0/24".
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise InvalidIpWhitelistError(
            f"IP whitelist entry {text!r} is not an IP address or CIDR range.",
            details={"field": "ip_whitelist", "entry": text},
        ) from None
    if network.num_addresses == 1:
        address = network.network_address
        # Client addresses arrive as IPv4 even behind an IPv6 socket (common.client_ip does the same).
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(address)
    return str(network)


def whitelist_normalize(entries: Iterable[str]) -> list[str]:
    """Validated, normalised, de-duplicated entries in the given order ([] = any address).

    Raises `InvalidIpWhitelistError` naming the first bad entry, or when there are more than
    `API_KEY_WHITELIST_MAX` entries.
    """
    if isinstance(entries, str):
        entries = [entries]
    result: list[str] = []
    for entry in entries:
        normalised = _entry_normalize(entry)
        if normalised not in result:
            result.append(normalised)
    limit = settings.API_KEY_WHITELIST_MAX
    if len(result) > limit:
        raise InvalidIpWhitelistError(
            f"An IP whitelist holds at most {limit} entries ({len(result)} given).",
            details={"field": "ip_whitelist", "count": len(result), "max": limit},
        )
    return result


@lru_cache(maxsize=2048)
def whitelist_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """Stored (already normalised) entries as networks; cached per process, keyed by the entries themselves."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
