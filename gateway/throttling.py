"""Rate limits: points per calendar minute, per key (private calls) or per client IP (public calls).

The counter for (scope, identity, minute) is incremented by the action's cost in one atomic operation:
on Redis a tiny Lua script (`INCRBY`, and `EXPIRE` when the counter is new: one round trip, atomic, shared by
every worker), elsewhere (locmem) `cache.add` + `cache.incr`. The increment happens before the comparison, so two workers can never both take the last points.

While Redis is away (common/cache.py) the limiter falls back to a per-process counter with the same budget:
degraded (each process grants the full budget, so N processes let through up to N times the limit), logged
when it starts, never an error. Counting restarts from zero when Redis comes back.
"""

import math
from dataclasses import dataclass

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from common.cache import breaker, counter_cache, local_cache, redis_script
from gateway.errors import RateLimitedError

WINDOW_S = 60
# Counters outlive their minute a little, so a slow clock on one worker cannot restart a full window.
_TTL_S = WINDOW_S + 10


@dataclass(frozen=True, slots=True)
class Quota:
    limit: int
    used: int
    reset_s: int  # seconds until the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_s),
        }


_INCR_SCRIPT = """
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
if used == tonumber(ARGV[1]) then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return used
"""


def _incr(key: str, cost: int) -> int:
    cache = counter_cache()
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        try:
            return int(redis_script(cache, _INCR_SCRIPT)(keys=[full_key], args=[cost, _TTL_S]))
        except RedisError as exc:
            breaker.trip(exc)
            cache = local_cache()
    cache.add(key, 0, timeout=_TTL_S)
    try:
        return int(cache.incr(key, cost))
    except ValueError:  # expired between add and incr
        cache.set(key, cost, timeout=_TTL_S)
        return cost


def consume(*, scope: str, identity: str, cost: int, limit: int, now: float) -> Quota:
    """Take `cost` points from this minute's budget; raise `RateLimitedError` (429) when it is exhausted.

    The error carries the `quota` so the response can still tell the caller when the window resets.
    """
    window = int(now // WINDOW_S)
    used = _incr(f"gw:rl:{scope}:{identity}:{window}", cost)
    quota = Quota(limit=limit, used=used, reset_s=max(1, math.ceil((window + 1) * WINDOW_S - now)))
    if used > limit:
        error = RateLimitedError()
        error.quota = quota  # type: ignore[attr-defined]
        raise error
    return quota
