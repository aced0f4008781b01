"""Fee state changes: recording traded volume, refreshing the cached volumes, publishing schedule changes."""

from collections import defaultdict
from collections.abc import Mapping
from contextlib import suppress
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.db import IntegrityError, transaction
from django.utils import timezone

from activities.actor import Actor
from activities.models import ActivityType
from activities.services import record
from common.cache import RedisCache, guarded, redis_script
from common.models import update_rows
from common.money import plain_amount, quantize_down
from fees.models import FeeSchedule, PairGroup, VolumeBucket
from fees.schedule import publish_new_version
from fees.volume import VOLUME_PLACES, to_units, utc, volume_key, window_days, window_start

# Django's `incr` for each of the first ARGV[1] keys (add ARGV[i + 1] when the key exists: a figure not cached
# stays missing, and the next read sums the buckets, this fill included), then a delete of the other keys: one
# round trip for the whole batch instead of two per user and one more, and each addition atomic.
_ADD_SCRIPT = """
local n = tonumber(ARGV[1])
for i = 1, n do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[i + 1]) end
end
for i = n + 1, #KEYS do redis.call('DEL', KEYS[i]) end
return n
"""


def _volume_cache_add(units: dict[int, int], day: date) -> None:
    # Windows ending on later days (cached only by reads dated in the future) would miss this fill.
    later = [
        volume_key(user_id, day + timedelta(days=n))
        for user_id in units
        for n in range(1, window_days())
    ]
    shared = caches["default"]
    if isinstance(shared, RedisCache):
        # `make_key` without the memcached key check: these keys are ours, short and plain.
        keys = [shared.make_key(volume_key(user_id, day)) for user_id in units]
        keys += [shared.make_key(key) for key in later]
        script = redis_script(shared, _ADD_SCRIPT)
        guarded(lambda: None, lambda: script(keys=keys, args=[len(units), *units.values()]))
        return
    for user_id, amount in units.items():
        # Not cached (ValueError): the next read sums the buckets, this fill included.
        with suppress(ValueError):
            cache.incr(volume_key(user_id, day), amount)
    cache.delete_many(later)


def volume_record_fill(*, user: Any, usd_value: Decimal, at: datetime) -> None:
    """Add one fill's USD value (cut to 8 decimals) to the user's bucket for `at`'s UTC day.

    Call it once per fill and per side, inside the fill's transaction. Locks the user's bucket row for that day
    (`select_for_update`; created if missing, the unique (user, day) settling a race). After commit, adds the
    value to the user's cached 30-day figure with an atomic `cache.incr`. Raises `ValueError` for a negative
    value. Records nothing (the fill's own records say it all).
    """
    volume_record_fills(volumes={user.pk: usd_value}, at=at)


def volume_record_fills(*, volumes: Mapping[int, Decimal], at: datetime) -> None:
    """Add USD values (by user id; each cut to 8 decimals) to the users' buckets for `at`'s UTC day: what
    `volume_record_fill` does for each, in two statements for all of them once the day's buckets exist.

    Locks the buckets in ascending user id (one ordered `select_for_update`; missing ones are then created in
    that same order), so transactions that share traders cannot deadlock on them. Then one UPDATE with the
    new values, computed in Python (SQLite would add DECIMALs as floats). After commit, adds each value to
    the user's cached 30-day figure. Raises `ValueError` for a negative value (nothing written).
    """
    if any(value < 0 for value in volumes.values()):
        raise ValueError("usd_value must not be negative")
    amounts = {
        user_id: amount
        for user_id in sorted(volumes)
        if (amount := quantize_down(volumes[user_id], VOLUME_PLACES)) != 0
    }
    if not amounts:
        return
    day = utc(at).date()
    # Composed into the caller's transaction (a new one outside any), without a savepoint of its own: an
    # error here fails the caller's transaction, which is then rolled back whole.
    with transaction.atomic(savepoint=False):
        _buckets_add(amounts, day)
    units = {user_id: to_units(amount) for user_id, amount in amounts.items()}
    transaction.on_commit(partial(_volume_cache_add, units, day))


def _bucket_lock_creating(user_id: int, day: date) -> VolumeBucket:
    bucket = VolumeBucket.objects.select_for_update().filter(user_id=user_id, day=day).first()
    if bucket is not None:
        return bucket
    try:
        # A savepoint: if another transaction created the row meanwhile, PostgreSQL makes this INSERT wait for
        # it to commit and then fail; the rest of our transaction survives and simply locks that row.
        with transaction.atomic():
            return VolumeBucket.objects.create(user_id=user_id, day=day)
    except IntegrityError:
        return VolumeBucket.objects.select_for_update().get(user_id=user_id, day=day)


def _buckets_add(amounts: dict[int, Decimal], day: date) -> None:
    rows = VolumeBucket.objects.select_for_update().filter(user_id__in=amounts, day=day)
    buckets = {bucket.user_id: bucket for bucket in rows.order_by("user_id")}
    if len(buckets) < len(amounts):
        # First fill of the day for someone: lock or create each bucket in ascending user id (as
        # `ledger.locking.lock_balances` does for balances, and for the same reasons).
        buckets = {
            user_id: buckets.get(user_id) or _bucket_lock_creating(user_id, day)
            for user_id in amounts
        }
    now = timezone.now()
    for user_id, amount in amounts.items():
        bucket = buckets[user_id]
        bucket.usd_volume += amount
        bucket.updated_at = now
    update_rows(VolumeBucket, list(buckets.values()), ("usd_volume", "updated_at"))


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


def fee_schedule_change_record(
    *, by: Any, actor: Actor, target: FeeSchedule | PairGroup, change: str
) -> None:
    """A staff member changed the fee schedule (`change`: created, changed or deleted; call before a delete, so
    the tiers can still be read). Records `fees.schedule_changed` for `by` with the schedule's tiers and rates
    (or the group's pairs), and publishes the new version after commit (`fee_schedule_changed`). Locks
    nothing."""
    details: dict[str, Any] = {"change": change}
    if isinstance(target, FeeSchedule):
        details |= {
            "schedule": target.name,
            "schedule_id": target.pk,
            "pair_group": target.pair_group.code if target.pair_group is not None else None,
            "weekdays": target.weekdays,
            "is_active": target.is_active,
            "tiers": [
                {
                    "min_volume": plain_amount(t.min_volume),
                    "maker": plain_amount(t.maker),
                    "taker": plain_amount(t.taker),
                }
                for t in target.tiers.order_by("min_volume")
            ],
        }
    else:
        details |= {
            "pair_group": target.code,
            "pairs": sorted(target.pairs.values_list("symbol", flat=True)),
        }
    record(
        user=by,
        action=ActivityType.FEE_SCHEDULE_CHANGED,
        actor=actor,
        details=details,
    )
    fee_schedule_changed()
