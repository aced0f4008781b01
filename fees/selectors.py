"""Fee reads: the rate that applies to an order, the 30-day volume, and the whole schedule.

Rates are PERCENT Decimals, as the protocol shows them: "0.25" means 0.25 %.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from conditions.models import Pair
from conditions.validation import plain
from fees.schedule import (
    SCHEDULE_VERSION_KEY,
    CompiledSchedules,
    Schedule,
    Tier,
    compiled_schedules,
    fallback_schedule,
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


# --- The whole schedule -------------------------------------------------------------------------------


def _wire_volume(value: Decimal) -> int | str:
    # The protocol types `volume` as a number; tier minimums are whole dollars in practice.
    return int(value) if value == value.to_integral_value() else plain(value)


def _entries(schedule: Schedule) -> list[dict[str, Any]]:
    return [
        {
            "fee": plain(tier.taker),
            "makerFee": plain(tier.maker),
            "takerFee": plain(tier.taker),
            "volume": _wire_volume(tier.min_volume),
        }
        for tier in schedule.tiers
    ]


def _per_group(compiled: CompiledSchedules, schedules: list[Schedule]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for schedule in schedules:
        group = compiled.groups[schedule.group_id]  # type: ignore[index]
        out[group.code] = {
            "name": group.name,
            "description": group.description,
            "pairList": list(group.symbols),
            "schedule": _entries(schedule),
        }
    return out


WEEKEND = (5, 6)


def fee_strategy() -> dict[str, Any]:
    """The whole active schedule in the shape of the protocol's `get_fee_strategy` `data` (JSON-safe):

        {"strategyConfig": {
            "default": [entry, ...],                     # every day, every pair (fallback flat fee if none)
            "perTier": {group_code: {"name", "description", "pairList": [symbol], "schedule": [entry]}},
            "perWeekend": {"default": [entry], "perTier": {...}},   # schedules on exactly Saturday+Sunday
            "perWeekday": [{"name", "weekdays": [0-6, Monday=0], "pairGroup": code | None,
                            "schedule": [entry]}],                  # extension: every weekday schedule
        }}
        entry = {"fee": taker %, "makerFee": maker %, "takerFee": taker %, "volume": tier minimum, USD}

    `fee`, `makerFee`, `takerFee` are percent strings; `volume` is the 30-day USD volume FROM which the tier
    applies (a number); one entry at volume 0 is a flat fee. `perTier`, `perWeekend` and `perWeekday` are left out
    when empty. No query once warm.
    """
    compiled = compiled_schedules()
    everyday_groups = [s for s in compiled.schedules if not s.weekdays and s.group_id is not None]
    weekday = [s for s in compiled.schedules if s.weekdays]
    weekend = [s for s in weekday if s.weekdays == WEEKEND]
    config: dict[str, Any] = {"default": _entries(compiled.default or fallback_schedule())}
    if everyday_groups:
        config["perTier"] = _per_group(compiled, everyday_groups)
    if weekend:
        block: dict[str, Any] = {}
        if weekend_default := [s for s in weekend if s.group_id is None]:
            block["default"] = _entries(weekend_default[0])
        if weekend_groups := [s for s in weekend if s.group_id is not None]:
            block["perTier"] = _per_group(compiled, weekend_groups)
        config["perWeekend"] = block
    if weekday:
        config["perWeekday"] = [
            {
                "name": s.name,
                "weekdays": list(s.weekdays),
                "pairGroup": compiled.groups[s.group_id].code if s.group_id is not None else None,
                "schedule": _entries(s),
            }
            for s in weekday
        ]
    return {"strategyConfig": config}


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
