"""Failure limits (failed logins, wrong codes): at most `limit` failures per identity per window.

Counters live in the shared cache (Redis in production), so every worker sees the same count; `cache.add` and
`cache.incr` are atomic on Redis and locmem. The window starts at the first failure and the wait reported is
what is left of it. While Redis is away the counters live in the per-process stand-in (common/cache.py): each
process then counts on its own, which is weaker, but the limit still holds per process.
"""

import hashlib
import time
from dataclasses import dataclass

from common.cache import counter_cache
from common.errors import TooManyAttemptsError


def _key(scope: str, identity: str, part: str) -> str:
    # Hash the identity: it may be an email address, and cache keys show up in monitoring tools.
    digest = hashlib.sha256(identity.lower().encode()).hexdigest()[:32]
    return f"fail:{scope}:{digest}:{part}"


@dataclass(frozen=True, slots=True)
class FailureLimit:
    scope: str
    limit: int
    window_s: int

    def check(self, identity: str | None) -> None:
        """Raise `TooManyAttemptsError` (with the seconds left) when the identity is over its limit."""
        if not identity:
            return
        cache = counter_cache()
        count = cache.get(_key(self.scope, identity, "n")) or 0
        if count < self.limit:
            return
        started = cache.get(_key(self.scope, identity, "t")) or time.time()
        raise TooManyAttemptsError(retry_after=int(started + self.window_s - time.time()) + 1)

    def fail(self, identity: str | None) -> None:
        if not identity:
            return
        cache = counter_cache()
        count_key = _key(self.scope, identity, "n")
        cache.add(_key(self.scope, identity, "t"), time.time(), timeout=self.window_s)
        cache.add(count_key, 0, timeout=self.window_s)
        try:
            cache.incr(count_key)
        except ValueError:  # expired between add and incr: start a new window
            cache.set(count_key, 1, timeout=self.window_s)

    def reset(self, identity: str | None) -> None:
        if identity:
            counter_cache().delete_many(
                [_key(self.scope, identity, "n"), _key(self.scope, identity, "t")]
            )
