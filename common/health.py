"""`/healthz` for load balancers: the database always, Redis when it is configured.

The database is required: without it the answer is 503 `failing`. Redis is optional at call time
(common/cache.py): when it does not answer, the service keeps serving in degraded mode, so `/healthz` still
answers 200, with `"status": "degraded"` and `"redis": "degraded"`, and a load balancer keeps the replica.
"""

import logging

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from redis.exceptions import RedisError

from common.cache import RedisCache, breaker, redis_client, redis_degraded

logger = logging.getLogger(__name__)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return "ok" if cursor.fetchone() == (1,) else "failing"
    except Exception:  # noqa: BLE001 - any failure of the database means "unhealthy", never a 500 page
        logger.exception("health check database failed")
        return "failing"


def _check_redis() -> str:
    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return "ok"  # configured without the Redis cache backend: nothing to ask
    if redis_degraded():
        return "degraded"
    try:
        redis_client(cache).ping()
    except RedisError as exc:
        breaker.trip(exc)
        return "degraded"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = {"database": _check_database()}
    if settings.REDIS_URL:
        results["redis"] = _check_redis()
    if results["database"] != "ok":
        status, code = "failing", 503
    elif results.get("redis", "ok") != "ok":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "checks": results}, status=code)
