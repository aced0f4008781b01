"""Fees and volume on the wire (signed, Read): the caller's current fee, the schedule, the 30-day volume."""

from typing import Any

from conditions.selectors import pair_list
from fees.schedule import CompiledSchedules, Schedule, compiled_schedules, fallback_schedule
from fees.selectors import current_fee, volume_30d
from gateway.params import ListParam, PairParam, Params
from gateway.registry import Call, action
from gateway.wire import integer_or_trimmed, trimmed


class CurrentFeeParams(Params):
    pairs = ListParam(child=PairParam(), required=False)


@action("get_my_current_fee", cost=5, params=CurrentFeeParams)
def get_my_current_fee(params: dict[str, Any], call: Call) -> dict[str, Any]:
    """`percent` is a percentage ("0.25" = 0.25 %), the taker rate (ccxt uses it for both sides);
    `makerPercent` and `takerPercent` give both. No filter means every pair; unknown pairs are dropped."""
    user = call.user_ref()  # the fee lookup needs only the id: no user query
    fees: dict[str, Any] = {}
    for pair in pair_list(symbols=params.get("pairs") or None):
        quote = current_fee(user=user, pair=pair, at=call.now)
        fees[pair.symbol] = {
            "percent": trimmed(quote.taker),
            "makerPercent": trimmed(quote.maker),
            "takerPercent": trimmed(quote.taker),
        }
    return {"tradingFee": fees}


@action("get_fee_strategy", cost=1)
def get_fee_strategy(params: dict[str, Any], call: Call) -> dict[str, Any]:
    return fee_strategy()


@action("get_my_volume", cost=5)
def get_my_volume(params: dict[str, Any], call: Call) -> dict[str, Any]:
    volume = volume_30d(user=call.user_ref(), at=call.now)
    return {"period": "30d", "volume": trimmed(volume), "currency": "USD"}


# --- The whole schedule ---------------------------------------------------------------------------


def _entries(schedule: Schedule) -> list[dict[str, Any]]:
    return [
        {
            "fee": trimmed(tier.taker),
            "makerFee": trimmed(tier.maker),
            "takerFee": trimmed(tier.taker),
            "volume": integer_or_trimmed(tier.min_volume),
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
