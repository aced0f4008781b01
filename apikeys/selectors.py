"""Reads of API keys: the user's own keys for the frontend, and the gateway's per-request key lookup."""

import ipaddress
import re
from dataclasses import dataclass, field

from django.db.models import QuerySet

from apikeys import auth_cache, crypto
from apikeys.errors import ApiKeyNotFoundError
from apikeys.models import PERMISSION_FLAGS, ApiKey, held_permissions
from apikeys.validation import IPNetwork, whitelist_networks

# What `secrets.token_urlsafe` produces; anything else is refused before it reaches the cache or the database.
PUBLIC_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True, slots=True)
class AuthKey:
    id: int
    public_id: str
    user_id: int
    is_active: bool
    permissions: frozenset[str]
    networks: tuple[IPNetwork, ...]
    secret: bytes = field(repr=False)


def api_key_list(*, user) -> QuerySet[ApiKey]:  # type: ignore[no-untyped-def]
    return ApiKey.objects.filter(user=user).order_by("-created_at", "-id")


def api_key_get(*, user, public_id: str) -> ApiKey:  # type: ignore[no-untyped-def]
    """The user's key by public id. Raises `ApiKeyNotFoundError` for an unknown key or someone else's."""
    key = ApiKey.objects.filter(user=user, public_id=public_id).first()
    if key is None:
        raise ApiKeyNotFoundError()
    return key


def _load(public_id: str) -> auth_cache.Entry | None:
    row = (
        ApiKey.objects.filter(public_id=public_id)
        .values_list(
            "id",
            "user_id",
            "is_active",
            "ip_whitelist",
            "secret_encrypted",
            *PERMISSION_FLAGS.values(),
        )
        .first()
    )
    if row is None:
        return None
    key_id, user_id, is_active, whitelist, ciphertext, *flags = row
    return auth_cache.Entry(
        id=key_id,
        user_id=user_id,
        is_active=is_active,
        permissions=tuple(held_permissions(flags)),
        ip_whitelist=tuple(whitelist or ()),
        secret_encrypted=bytes(ciphertext),
    )


def api_key_get_for_auth(*, public_id: str) -> AuthKey | None:
    """The key behind a signed request, with its plaintext secret; None for an unknown or deleted key.

    Inactive keys ARE returned (`is_active` False) so the gateway can say why it refuses. Served from the shared
    cache when possible (see apikeys/auth_cache.py); a change or deletion is seen on the very next call in every
    process. Raises `crypto.DecryptionError` when the secret was encrypted under a key no longer configured.
    """
    if not isinstance(public_id, str) or not PUBLIC_ID_RE.fullmatch(public_id):
        return None
    cached = auth_cache.get(public_id)
    if isinstance(cached, auth_cache.Entry):
        entry: auth_cache.Entry | None = cached
    elif cached == auth_cache.UNKNOWN:
        return None
    else:
        entry = _load(public_id)
        if cached is None:  # while a tombstone stands, every reader goes to the database
            auth_cache.fill(public_id, entry)
    if entry is None:
        return None
    return AuthKey(
        id=entry.id,
        public_id=public_id,
        user_id=entry.user_id,
        is_active=entry.is_active,
        permissions=frozenset(entry.permissions),
        networks=whitelist_networks(entry.ip_whitelist),
        secret=crypto.decrypt(entry.secret_encrypted, associated_data=public_id.encode()),
    )


def _address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def api_key_ip_allowed(*, key: AuthKey, ip: str | None) -> bool:
    """An empty whitelist allows any address; otherwise the client's address must lie in one of its networks."""
    if not key.networks:
        return True
    address = _address(ip) if ip else None
    if address is None:
        return False
    return any(address.version == net.version and address in net for net in key.networks)
