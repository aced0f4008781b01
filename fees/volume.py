"""The 30-day volume: daily buckets summed in Python, with a per-user cached figure.

The window is the last `FEES_VOLUME_WINDOW_DAYS` UTC days, today included: a trade on day D counts until the end
of day D+29 and rolls off at the following midnight UTC. The cached figure is keyed by user and by the window's
last day, so roll-off needs no invalidation. It is an integer count of 1e-8 USD so that `cache.incr` (atomic on
Redis and locmem) can add a fill to it; SQL `SUM` is avoided because SQLite stores DECIMAL as REAL.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from common.money import quantize_down
from fees.models import VolumeBucket

VOLUME_PLACES = 8


def utc(at: datetime) -> datetime:
    if timezone.is_naive(at):
        raise ValueError("an aware datetime is required")
    return at.astimezone(UTC)


def window_days() -> int:
    return int(settings.FEES_VOLUME_WINDOW_DAYS)


def window_start(day: date) -> date:
    return day - timedelta(days=window_days() - 1)


def volume_key(user_id: int, day: date) -> str:
    return f"fees:vol:{user_id}:{day.isoformat()}"


def to_units(value: Decimal) -> int:
    return int(quantize_down(value, VOLUME_PLACES).scaleb(VOLUME_PLACES))


def from_units(units: int) -> Decimal:
    return Decimal(int(units)).scaleb(-VOLUME_PLACES)


def volume_load(*, user_id: int, day: date) -> Decimal:
    """Sum the window's buckets (one query) and cache the figure unless a fresher one got there first."""
    rows = VolumeBucket.objects.filter(user_id=user_id, day__gte=window_start(day), day__lte=day)
    total = sum(rows.values_list("usd_volume", flat=True), Decimal(0))
    units = to_units(total)
    cache.add(volume_key(user_id, day), units, timeout=settings.FEES_VOLUME_CACHE_S)
    return from_units(units)
