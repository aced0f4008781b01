"""The replay guard for mutating calls: the same key and signature are accepted once per timestamp window.

A signature covers the action, the timestamp and the body, so an exact repeat is a replay (or a client that
sent two identical mutating requests within one second; refusing the second is the safe side). Reads are not
guarded: two identical reads in the same second legitimately sign to the same value.
"""

from django.conf import settings
from django.core.cache import cache

from apikeys.selectors import AuthKey
from gateway.errors import ReplayError


def guard(*, key: AuthKey, signature: str) -> None:
    """Remember this signature until its timestamp can no longer pass the window; refuse it if already seen."""
    # The timestamp may be up to `window` seconds in the future, and is valid until `window` seconds after it.
    ttl = 2 * settings.GATEWAY_TIMESTAMP_WINDOW_S + 2
    if not cache.add(f"gw:sig:{key.id}:{signature}", 1, timeout=ttl):
        raise ReplayError()
