"""Fee reads: the rate that applies to an order, the 30-day volume, the fee page's overview.

Rates are PERCENT Decimals, as the protocol shows them: "0.25" means 0.25 %.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
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


class FeeQuotes:
    """`current_fee` for many orders from one cache round trip.

    The compiled schedules and the 30-day volume of every (user, UTC day) in `wanted` are read with one
    `get_many`; a volume not cached is summed from its buckets (one query, then cached). A (user, day) not
    named up front is read when asked for. Reads only: a batch of the matcher takes its rates from one of these,
    as `current_fee` would give them at the batch's start.
    """

    def __init__(self, wanted: Iterable[tuple[int, datetime]]) -> None:
        named = {volume_key(user_id, day): (user_id, day) for user_id, day in _days(wanted)}
        found = cache.get_many([SCHEDULE_VERSION_KEY, *named])
        self.compiled: CompiledSchedules = compiled_schedules(
            found.get(SCHEDULE_VERSION_KEY), known=True
        )
        self._volumes = {
            (user_id, day): _volume(found.get(key), user_id, day)
            for key, (user_id, day) in named.items()
        }

    def volume(self, user_id: int, day: date) -> Decimal:
        """The user's 30-day volume for the window ending with `day`."""
        volume = self._volumes.get((user_id, day))
        if volume is None:
            volume = self._volumes[(user_id, day)] = _volume(
                cache.get(volume_key(user_id, day)), user_id, day
            )
        return volume

    def quote(self, *, user_id: int, pair_id: int | None, at: datetime) -> FeeQuote:
        """The rates for `user_id` trading the pair `pair_id` (None: a pair without a group) at `at`."""
        at = utc(at)
        schedule = self.compiled.pick(pair_id=pair_id, weekday=at.weekday())
        return _quote(schedule, self.volume(user_id, at.date()))


def _days(wanted: Iterable[tuple[int, datetime]]) -> set[tuple[int, date]]:
    return {(user_id, utc(at).date()) for user_id, at in wanted}


def _volume(units: int | None, user_id: int, day: date) -> Decimal:
    return from_units(units) if units is not None else volume_load(user_id=user_id, day=day)


def current_fee(*, user: Any, pair: Pair, at: datetime) -> FeeQuote:
    """The maker and taker rate for `user` trading `pair` at `at` (aware; its UTC weekday picks the schedule).

    Schedule precedence: weekday schedule of the pair's group, weekday schedule for all pairs, the group's
    every-day schedule, the default; the tier is the highest whose minimum the 30-day volume reaches (volume
    equal to a tier's minimum is in that tier). Without any schedule, the fallback flat fee from settings.
    No query once warm (see `fees.schedule` and `fees.volume`); reads only.
    """
    return FeeQuotes([(user.pk, at)]).quote(user_id=user.pk, pair_id=pair.pk, at=at)


def volume_30d(*, user: Any, at: datetime | None = None) -> Decimal:
    """The user's traded USD volume over the 30 UTC days ending with `at`'s day (default: now)."""
    day = utc(at or timezone.now()).date()
    return _volume(cache.get(volume_key(user.pk, day)), user.pk, day)


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
    quotes = FeeQuotes([(user.pk, at)])
    compiled, volume = quotes.compiled, quotes.volume(user.pk, at.date())
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
