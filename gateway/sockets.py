"""Caps on open WebSocket sockets, counted across every ASGI process: per client IP (public and private sockets
together, `GATEWAY_WS_MAX_SOCKETS_PER_IP`) and per API key (authenticated private sockets,
`GATEWAY_WS_MAX_SOCKETS_PER_KEY`). The consumer takes a place when a socket opens (IP) and when it authenticates
(key), and gives its places back on every way a socket ends (gateway/consumers.py).

    claim(scope=, identity=, limit=, now=) -> Slot | None   a place (None: no cap, nothing counted);
                                                           `TooManySocketsError` when `limit` are taken
    release(slots)                                         give the places back

Where the count lives:
  * Redis (the cache's client: its 250 ms timeouts, no retries, and its breaker, common/cache.py): one sorted set
    per IP or key, one member per open socket, scored with the end of the socket's lease. One Lua script drops
    expired leases, counts and adds, so two processes can never both take the last place. A thread in each
    process renews the leases of its open sockets every `LEASE_RENEW_S` (one pipeline), so the places of a
    process that dies without closing its sockets (killed, out of memory, its host gone) are free again within
    `LEASE_S`; nothing else ever depends on a process saying goodbye.
  * this process's memory: in the embedded mode (no Redis, one process), and while Redis is away. Degraded as
    the rate limits are: each process then counts only its own sockets (N processes allow up to N times a cap);
    the breaker logs it, it is never an error. Once Redis answers again the next renewal writes every open
    socket of the process there, so the shared count is whole again within `LEASE_RENEW_S`.
"""

import itertools
import logging
import threading
import time
import uuid
from dataclasses import dataclass

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache

from common.cache import counter_cache, guarded, redis_client, redis_script
from gateway.errors import TooManySocketsError

logger = logging.getLogger(__name__)

LEASE_S = 60
LEASE_RENEW_S = 20
# The sorted set itself outlives its last lease a little, so an idle key disappears without a sweeper.
_KEY_TTL_S = LEASE_S + LEASE_RENEW_S

REFUSALS = {
    "ip": "Too many open sockets from this IP address",
    "key": "Too many open sockets for this API key",
}

_CLAIM = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


@dataclass(frozen=True, slots=True)
class Slot:
    key: str  # the counter: `gw:ws:<scope>:<identity>` (before the cache's prefix)
    member: str  # this socket, unique across processes


class _Held:
    """The places this process's sockets hold, per counter: what it renews, and its count without Redis.

    One lock orders every change with the renewal's write: a renewal never re-adds a place released after it
    read them, which would keep a closed socket counted until its lease ran out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.places: dict[str, set[str]] = {}
        self.process = uuid.uuid4().hex[:16]
        self.ids = itertools.count()
        self.renewer: threading.Thread | None = None

    def new_slot(self, scope: str, identity: str) -> Slot:
        return Slot(key=f"gw:ws:{scope}:{identity}", member=f"{self.process}:{next(self.ids)}")

    def add(self, slot: Slot) -> None:
        self.places.setdefault(slot.key, set()).add(slot.member)

    def discard(self, slot: Slot) -> None:
        members = self.places.get(slot.key)
        if members is not None:
            members.discard(slot.member)
            if not members:
                del self.places[slot.key]

    def start_renewing(self) -> None:
        with self.lock:
            if self.renewer is None:
                self.renewer = threading.Thread(
                    target=_renew_forever, name="ws-socket-leases", daemon=True
                )
                self.renewer.start()


_held = _Held()


def _shared() -> BaseCache | None:
    """The Redis cache while it answers; None in the embedded mode or while its breaker is open."""
    cache = counter_cache()
    return cache if isinstance(cache, RedisCache) else None


def claim(*, scope: str, identity: str, limit: int, now: float) -> Slot | None:
    """Take a place among the open sockets of `identity` (scope `ip` or `key`). Raises `TooManySocketsError`
    when `limit` sockets hold one already; returns None, counting nothing, when `limit` is 0 (no cap)."""
    if limit <= 0:
        return None
    slot = _held.new_slot(scope, identity)
    cache = _shared()
    if cache is not None:
        key = cache.make_and_validate_key(slot.key)
        args = [now, now + LEASE_S, slot.member, limit, _KEY_TTL_S]
        taken = guarded(
            lambda: None, lambda: int(redis_script(cache, _CLAIM)(keys=[key], args=args))
        )
        if taken is not None:
            if not taken:
                raise TooManySocketsError(REFUSALS[scope])
            with _held.lock:
                _held.add(slot)
            _held.start_renewing()
            return slot
    with _held.lock:
        if len(_held.places.get(slot.key, ())) >= limit:
            raise TooManySocketsError(REFUSALS[scope])
        _held.add(slot)
    return slot


def release(slots: list[Slot]) -> None:
    """Give the places back. Without Redis at this moment, the shared count keeps them until their lease ends
    (`LEASE_S`)."""
    if not slots:
        return
    with _held.lock:
        for slot in slots:
            _held.discard(slot)
        cache = _shared()
        if cache is None:
            return

        def remove() -> None:
            pipe = redis_client(cache).pipeline(transaction=False)
            for slot in slots:
                pipe.zrem(cache.make_and_validate_key(slot.key), slot.member)
            pipe.execute()

        guarded(lambda: None, remove)


def renew(*, now: float) -> None:
    """Extend the leases of this process's open sockets to `now + LEASE_S`, writing back any that Redis lost
    (a restart, or places taken while it was away)."""
    with _held.lock:
        cache = _shared()
        if cache is None or not _held.places:
            return

        def write() -> None:
            pipe = redis_client(cache).pipeline(transaction=False)
            for counter, members in _held.places.items():
                key = cache.make_and_validate_key(counter)
                pipe.zadd(key, dict.fromkeys(members, now + LEASE_S))
                pipe.expire(key, _KEY_TTL_S)
            pipe.execute()

        guarded(lambda: None, write)


def _renew_forever() -> None:
    while True:
        time.sleep(LEASE_RENEW_S)
        try:
            renew(now=time.time())
        except Exception:
            logger.exception("ws sockets: lease renewal failed")
