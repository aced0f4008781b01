"""The shared cache behind `selectors.api_key_get_for_auth`: the only place that caches key state.

Entries live in the Django cache (Redis in production, shared by every process) under `apikey:<public_id>`:
- a key's state: `_Entry` (public fields and the *ciphertext*; the plaintext secret is never cached),
- `UNKNOWN`: no such key (kept briefly, so a flood of made-up ids does not become a flood of queries),
- `STALE`: a tombstone. Every service that changes or deletes a key overwrites the entry with it after commit.

Readers fill a missing entry with `cache.add`, which cannot overwrite a tombstone. That closes the race where a
reader loads the old row just before a change commits and writes it back just after the invalidation: the
tombstone wins, and readers go to the database until it expires. So a deactivation, edit or deletion is seen by
the very next request in every process.

While Redis is away (common/cache.py) nothing is read from or written to it: every lookup goes to the database,
which is always right. A tombstone that could not be written then is kept by the process that made the change
and written on its next cache access once Redis answers again, so an entry cached before the outage cannot
outlive a change made during it for longer than that (weaker than the normal "next request"; the README says
so). A Redis that restarts empty holds no stale entry at all.
"""

from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from common.cache import redis_degraded

STALE: Final = "stale"
UNKNOWN: Final = "unknown"


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    user_id: int
    is_active: bool
    permissions: tuple[str, ...]
    ip_whitelist: tuple[str, ...]
    secret_encrypted: bytes


def cache_key(public_id: str) -> str:
    return f"apikey:{public_id}"


# Tombstones this process could not write while Redis was away; written as soon as it answers again.
_pending: set[str] = set()


def _flush_pending() -> None:
    for public_id in list(_pending):
        invalidate(public_id)
        if redis_degraded():
            return
        _pending.discard(public_id)


def get(public_id: str) -> Entry | str | None:
    """The cached entry, `UNKNOWN`, `STALE`, or None when nothing is cached (or Redis is away)."""
    if _pending and not redis_degraded():
        _flush_pending()
    if public_id in _pending:
        return STALE
    return cache.get(cache_key(public_id))


def fill(public_id: str, entry: Entry | None) -> None:
    """Remember what a reader loaded, unless a tombstone (or a fresher reader) got there first."""
    if entry is None:
        cache.add(cache_key(public_id), UNKNOWN, timeout=settings.API_KEY_AUTH_CACHE_UNKNOWN_S)
    else:
        cache.add(cache_key(public_id), entry, timeout=settings.API_KEY_AUTH_CACHE_TTL_S)


def invalidate(public_id: str) -> None:
    cache.set(cache_key(public_id), STALE, timeout=settings.API_KEY_AUTH_CACHE_TOMBSTONE_S)
    if redis_degraded():
        _pending.add(public_id)


def invalidate_on_commit(public_id: str) -> None:
    """Call inside the transaction that changes the key: the tombstone is written once the change is visible."""
    transaction.on_commit(lambda: invalidate(public_id))
