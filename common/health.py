"""`/healthz` for load balancers: the database always, Redis when it is configured."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _check_database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _check_cache() -> bool:
    cache.set("healthz", "ok", timeout=10)
    return cache.get("healthz") == "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = _check_cache
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            results[name] = "ok" if check() else "failing"
        except Exception:  # noqa: BLE001 - any failure of a dependency means "unhealthy", never a 500 page
            logger.exception("health check %s failed", name)
            results[name] = "failing"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": results},
        status=200 if healthy else 503,
    )
