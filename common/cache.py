"""The Redis cache backend: Django's, with one client object per connection pool instead of one per operation.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every cache operation; constructing one
(its response-callback table) costs more CPU than the round trip it serves (measured here: `cache.get` 305 µs
against 165 µs with a reused client). A `redis.Redis` is a thin, thread-safe handle on its pool, so one per pool
is enough. The signed gateway path, rate limits and the fee lookup all read the cache on every request.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Private to Django's client (untyped in django-stubs); the override keeps its behaviour otherwise.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        clients: dict[int, Any] = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
