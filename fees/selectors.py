"""Fee reads: the rate that applies to an order, the 30-day volume, the fee page's overview.

Rates are PERCENT Decimals, as the protocol shows them: "0.25" means 0.25 %.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from conditions.models import Pair
from fees.schedule import (
    SCHEDULE_VERSION_KEY,
    CompiledSchedules,
    Schedule,
    Tier,
    compiled_schedules,
)
from fees.volume import from_units, utc, volume_key, volume_load


@dataclass(frozen=True, slots=True)
class FeeQuote:
    """The rates that apply, and why: which schedule and which tier, at what 30-day volume."""

    maker: Decimal
    taker: Decimal
    schedule: str
    tier: int
    tier_min_volume: Decimal
    volume_30d: Decimal
    next_tier: Tier | None = None

    @property
    def volume_to_next_tier(self) -> Decimal | None:
        """USD of 30-day volume still needed to reach the next tier (None at the top tier)."""
        if self.next_tier is None:
            return None
        return max(self.next_tier.min_volume - self.volume_30d, Decimal(0))


def _quote(schedule: Schedule, volume: Decimal) -> FeeQuote:
    tier = schedule.tier_for(volume)
    return FeeQuote(
        maker=tier.maker,
        taker=tier.taker,
        schedule=schedule.name,
        tier=tier.number,
        tier_min_volume=tier.min_volume,
        volume_30d=volume,
        next_tier=schedule.next_tier(tier),
    )


def _state(*, user_id: int, at: datetime) -> tuple[CompiledSchedules, Decimal]:
    """The compiled schedule and the user's 30-day volume: one cache round trip, no query once warm."""
    day = at.date()
    key = volume_key(user_id, day)
    found = cache.get_many([SCHEDULE_VERSION_KEY, key])
    compiled = compiled_schedules(found.get(SCHEDULE_VERSION_KEY), known=True)
    units = found.get(key)
    volume = from_units(units) if units is not None else volume_load(user_id=user_id, day=day)
    return compiled, volume


def current_fee(*, user: Any, pair: Pair, at: datetime) -> FeeQuote:
    """The maker and taker rate for `user` trading `pair` at `at` (aware; its UTC weekday picks the schedule).

    Schedule precedence: weekday schedule of the pair's group, weekday schedule for all pairs, the group's
    every-day schedule, the default; the tier is the highest whose minimum the 30-day volume reaches (volume
    equal to a tier's minimum is in that tier). Without any schedule, the fallback flat fee from settings.
    No query once warm (see `fees.schedule` and `fees.volume`); reads only.
    """
    at = utc(at)
    compiled, volume = _state(user_id=user.pk, at=at)
    return _quote(compiled.pick(pair_id=pair.pk, weekday=at.weekday()), volume)


def volume_30d(*, user: Any, at: datetime | None = None) -> Decimal:
    """The user's traded USD volume over the 30 UTC days ending with `at`'s day (default: now)."""
    day = utc(at or timezone.now()).date()
    units = cache.get(volume_key(user.pk, day))
    return from_units(units) if units is not None else volume_load(user_id=user.pk, day=day)


@dataclass(frozen=True, slots=True)
class FeeOverview:
    """What the frontend's fee page shows: the schedule, my volume, my rates now (per pair too)."""

    at: datetime
    volume_30d: Decimal
    current: FeeQuote  # pairs without a group of their own
    per_pair: dict[str, FeeQuote]
    schedules: tuple[Schedule, ...]
    compiled: CompiledSchedules
    active_schedule_ids: frozenset[int]


def fee_overview(*, user: Any, at: datetime | None = None) -> FeeOverview:
    """The schedule, the user's 30-day volume, the rates that apply now (default and per pair)."""
    at = utc(at or timezone.now())
    compiled, volume = _state(user_id=user.pk, at=at)
    weekday = at.weekday()
    current = _quote(compiled.pick(pair_id=None, weekday=weekday), volume)
    per_pair: dict[str, FeeQuote] = {}
    active = {compiled.pick(pair_id=None, weekday=weekday).id}
    for pair_id, symbol in Pair.objects.order_by("symbol").values_list("id", "symbol"):
        schedule = compiled.pick(pair_id=pair_id, weekday=weekday)
        active.add(schedule.id)
        per_pair[symbol] = _quote(schedule, volume)
    return FeeOverview(
        at=at,
        volume_30d=volume,
        current=current,
        per_pair=per_pair,
        schedules=compiled.schedules,
        compiled=compiled,
        active_schedule_ids=frozenset(active),
    )
