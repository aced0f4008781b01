"""Fee state changes: recording traded volume, refreshing the cached volumes, publishing schedule changes."""

from collections import defaultdict
from contextlib import suppress
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from common.money import quantize_down
from fees.models import VolumeBucket
from fees.schedule import publish_new_version
from fees.volume import VOLUME_PLACES, to_units, utc, volume_key, window_days, window_start


def _volume_cache_add(user_id: int, day: date, units: int) -> None:
    # Not cached (ValueError): the next read sums the buckets, this fill included.
    with suppress(ValueError):
        cache.incr(volume_key(user_id, day), units)
    # Windows ending on later days (cached only by reads dated in the future) would miss this fill.
    later = [volume_key(user_id, day + timedelta(days=n)) for n in range(1, window_days())]
    cache.delete_many(later)


@transaction.atomic  # composed into the trading engine's transaction
def volume_record_fill(*, user: Any, usd_value: Decimal, at: datetime) -> None:
    """Add one fill's USD value (cut to 8 decimals) to the user's bucket for `at`'s UTC day.

    Call it once per fill and per side, inside the fill's transaction. Locks the user's bucket row for that day
    (`select_for_update`; created if missing, the unique (user, day) settling a race). After commit, adds the
    value to the user's cached 30-day figure with an atomic `cache.incr`. Raises `ValueError` for a negative
    value. Records nothing (the fill's own records say it all).
    """
    if usd_value < 0:
        raise ValueError("usd_value must not be negative")
    amount = quantize_down(usd_value, VOLUME_PLACES)
    if amount == 0:
        return
    day = utc(at).date()
    VolumeBucket.objects.get_or_create(user_id=user.pk, day=day)
    bucket = VolumeBucket.objects.select_for_update().get(user_id=user.pk, day=day)
    bucket.usd_volume += amount
    bucket.save(update_fields=["usd_volume", "updated_at"])
    transaction.on_commit(partial(_volume_cache_add, user.pk, day, to_units(amount)))


def volume_refresh(*, at: datetime | None = None) -> int:
    """Recompute every trading user's cached 30-day volume from the buckets, and prune old buckets.

    Deletes buckets older than `FEES_VOLUME_RETENTION_DAYS` (never inside the window) in one durable
    transaction, then sums the window's buckets per user in Python and overwrites the cached figures, which
    repairs any drift (a read racing a fill). Safe to run twice. Returns the number of users refreshed.
    """
    day = utc(at or timezone.now()).date()
    keep = max(int(settings.FEES_VOLUME_RETENTION_DAYS), window_days())
    with transaction.atomic(durable=True):
        VolumeBucket.objects.filter(day__lt=day - timedelta(days=keep)).delete()
    totals: dict[int, Decimal] = defaultdict(Decimal)
    rows = VolumeBucket.objects.filter(day__gte=window_start(day), day__lte=day).values_list(
        "user_id", "usd_volume"
    )
    for user_id, usd_volume in rows.iterator(chunk_size=5000):
        totals[user_id] += usd_volume
    batch: dict[str, int] = {}
    for user_id, total in totals.items():
        batch[volume_key(user_id, day)] = to_units(total)
        if len(batch) >= 1000:
            cache.set_many(batch, timeout=settings.FEES_VOLUME_CACHE_S)
            batch = {}
    if batch:
        cache.set_many(batch, timeout=settings.FEES_VOLUME_CACHE_S)
    return len(totals)


def fee_schedule_changed() -> None:
    """Call after changing any schedule, tier or pair group: once the change commits, every process reloads
    its compiled schedule on its next call. Writes nothing to the database."""
    transaction.on_commit(publish_new_version)
