"""Fees and volume on the wire (signed, Read): the caller's current fee, the schedule, the 30-day volume."""

from typing import Any

from conditions.selectors import pair_list
from fees.selectors import current_fee, fee_strategy, volume_30d
from gateway.params import ListParam, PairParam, Params
from gateway.registry import Call, action
from gateway.wire import trimmed


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
