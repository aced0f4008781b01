"""What a verified key may do: the IP whitelist and the action's declared permission. Reads only."""

from apikeys.models import Permission
from apikeys.selectors import AuthKey, api_key_ip_allowed
from gateway.errors import ForbiddenError
from gateway.registry import Action


def check_ip(*, key: AuthKey, ip: str | None) -> None:
    """Raise `ForbiddenError` (403) when the key has a whitelist and `ip` is outside it."""
    if not api_key_ip_allowed(key=key, ip=ip):
        raise ForbiddenError(
            f"Access denied: IP address {ip or 'unknown'} is not in this API key's whitelist",
            reason="ip_not_whitelisted",
        )


def check_permission(*, key: AuthKey, action: Action) -> None:
    """Raise `ForbiddenError` (403) naming the permission the action needs and the key lacks."""
    if action.permission not in key.permissions:
        label = Permission(action.permission).label
        raise ForbiddenError(
            f"Permission denied: API key lacks '{label}' permission", reason="permission_denied"
        )
