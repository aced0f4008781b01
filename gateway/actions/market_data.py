"""Market data on the wire: order book, ticker, trade history, candles (cexio-protocol.md §3.5-3.8); public,
and their signed twins. Every rule lives in `trading.selectors`; these handlers rename and format.

Prices and amounts are strings padded to the pair's price precision and the base currency's precision
(`gateway.wire.padded`; quote volumes to the quote currency's); candles carry JSON numbers, as the protocol says,
at the same precisions, in fixed-point and without trailing zeros (`gateway.wire.json_number`).
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from conditions.models import Pair
from conditions.selectors import pair_get, pair_list
from gateway.errors import ParameterError
from gateway.params import (
    ChoiceParam,
    DateTimeParam,
    IntParam,
    ListParam,
    PairParam,
    Params,
    StringParam,
)
from gateway.registry import Call, action
from gateway.wire import epoch_ms, iso_ms, json_number, padded, rounded
from trading import selectors
from trading.models import Side, Trade

PERCENT_PLACES = 2
USD_PLACES = 2


def _pair(symbol: str) -> Pair:
    return pair_get(symbol=symbol)


class OrderBookParams(Params):
    pair = PairParam()


@action("get_order_book", public=True, cost=1, params=OrderBookParams)
def get_order_book(params: dict[str, Any], call: Call) -> dict[str, Any]:
    pair = _pair(params["pair"])
    book = selectors.order_book(pair=pair, at=call.now)
    return {
        "timestamp": epoch_ms(book.at),
        "currency1": pair.base_id,
        "currency2": pair.quote_id,
        "bids": book_levels(book.bids, pair),
        "asks": book_levels(book.asks, pair),
    }


def book_levels(rows: Iterable[tuple[Decimal, Decimal]], pair: Pair) -> list[list[str]]:
    """Book levels as `[price, amount]` strings at the pair's precisions (zero amount: a removed level; the
    WebSocket book stream writes its levels with this too)."""
    price_places, amount_places = pair.price_precision, pair.base.precision
    return [[padded(price, price_places), padded(amount, amount_places)] for price, amount in rows]


class TickerParams(Params):
    pairs = ListParam(child=PairParam(), required=False, allow_null=True)


def _percent(change: Decimal | None, base: Decimal | None) -> str | None:
    if change is None or not base:
        return None
    return rounded(change / base * 100, PERCENT_PLACES)


@action("get_ticker", public=True, cost=1, params=TickerParams)
def get_ticker(params: dict[str, Any], call: Call) -> dict[str, Any]:
    """Keyed by pair id; unknown pairs are left out."""
    pairs = list(pair_list(symbols=params.get("pairs") or None))
    data: dict[str, Any] = {}
    for ticker in selectors.tickers(pairs=pairs, at=call.now):
        pair = ticker.pair
        price, base, quote = pair.price_precision, pair.base.precision, pair.quote.precision
        data[pair.symbol] = {
            "bestBid": padded(ticker.best_bid, price),
            "bestAsk": padded(ticker.best_ask, price),
            "bestBidChange": padded(ticker.best_bid_change, price),
            "bestBidChangePercentage": _percent(
                ticker.best_bid_change,
                None
                if ticker.best_bid is None or ticker.best_bid_change is None
                else ticker.best_bid - ticker.best_bid_change,
            ),
            "bestAskChange": padded(ticker.best_ask_change, price),
            "bestAskChangePercentage": _percent(
                ticker.best_ask_change,
                None
                if ticker.best_ask is None or ticker.best_ask_change is None
                else ticker.best_ask - ticker.best_ask_change,
            ),
            "low": padded(ticker.low, price),
            "high": padded(ticker.high, price),
            "volume": padded(ticker.volume, base),
            "quoteVolume": padded(ticker.quote_volume, quote),
            "volume30d": padded(ticker.volume_30d, base),
            "lastTradeVolume": padded(ticker.last_trade_volume, base),
            "last": rounded(ticker.last, price),
            "lastTradePrice": padded(ticker.last_trade_price, price),
            "priceChange": padded(ticker.price_change, price),
            "priceChangePercentage": _percent(ticker.price_change, ticker.open_price),
            "lastTradeDateISO": None
            if ticker.last_trade_at is None
            else iso_ms(ticker.last_trade_at),
            "volumeUSD": rounded(ticker.volume_usd, USD_PLACES),
        }
    return data


class TradeHistoryParams(Params):
    pair = PairParam()
    side = ChoiceParam(choices=(Side.BUY, Side.SELL), required=False, allow_null=True)
    fromDateISO = DateTimeParam(required=False, allow_null=True)
    toDateISO = DateTimeParam(required=False, allow_null=True)
    fromTradeId = StringParam(max_length=40, required=False, allow_null=True)
    toTradeId = StringParam(max_length=40, required=False, allow_null=True)
    pageSize = IntParam(min_value=1, required=False, allow_null=True)


def trade_row(trade: Trade, pair: Pair) -> dict[str, Any]:
    """A public trade as `get_trade_history` lists it and the WebSocket's `tradeUpdate` pushes it."""
    return {
        "tradeId": trade_id(trade),
        "dateISO": iso_ms(trade.created_at),
        "side": trade.taker_side,
        "price": padded(trade.price, pair.price_precision),
        "amount": padded(trade.amount, pair.base.precision),
    }


def trade_id(trade: Trade) -> str:
    """`<ms timestamp>-<sequence>`, the protocol's shape; the sequence is our trade id."""
    return f"{epoch_ms(trade.created_at)}-{trade.pk}"


def _trade_id_number(value: str | None, name: str) -> int | None:
    if not value:
        return None
    try:
        return int(value.rsplit("-", 1)[-1])
    except ValueError:
        raise ParameterError(f"Parameter {name} is not valid") from None


@action("get_trade_history", public=True, cost=1, params=TradeHistoryParams)
def get_trade_history(params: dict[str, Any], call: Call) -> dict[str, Any]:
    """Oldest first. A page larger than the maximum is capped (public 10000, signed 1000), not refused."""
    pair = _pair(params["pair"])
    public = call.key is None
    default, maximum = (1000, 10000) if public else (100, 1000)
    size = min(params.get("pageSize") or default, maximum)
    dated = params.get("fromDateISO") is not None or params.get("toDateISO") is not None
    by_id = params.get("fromTradeId") or params.get("toTradeId")
    if dated and by_id:
        raise ParameterError("Trade ids and dates cannot be combined")
    trades = selectors.trade_list(
        pair=pair,
        side=params.get("side"),
        date_from=params.get("fromDateISO"),
        date_to=params.get("toDateISO"),
        from_id=_trade_id_number(params.get("fromTradeId"), "fromTradeId"),
        to_id=_trade_id_number(params.get("toTradeId"), "toTradeId"),
        limit=size,
    )
    return {"pageSize": size, "trades": [trade_row(trade, pair) for trade in trades]}


DEFAULT_CANDLES = 100


class CandlesParams(Params):
    pair = PairParam(required=False, allow_null=True)
    pairsList = ListParam(child=PairParam(), required=False, allow_null=True, allow_empty=False)
    fromISO = DateTimeParam(required=False, allow_null=True)
    toISO = DateTimeParam(required=False, allow_null=True)
    limit = IntParam(min_value=1, max_value=selectors.MAX_CANDLES, required=False, allow_null=True)
    dataType = ChoiceParam(choices=tuple(selectors.DATA_TYPES))
    resolution = ChoiceParam(choices=tuple(selectors.RESOLUTIONS))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("pair") and not attrs.get("pairsList"):
            raise serializers.ValidationError("Mandatory parameter pair is missing")
        start, end, limit = attrs.get("fromISO"), attrs.get("toISO"), attrs.get("limit")
        if start is not None and end is not None and limit is not None:
            raise serializers.ValidationError(
                "Parameter limit cannot be used with both fromISO and toISO"
            )
        if (start is None) != (end is None) and limit is None:
            # The docs make `limit` mandatory here, but ccxt's fetch_ohlcv() without a limit sends only
            # `toISO = now`: a default serves that call instead of failing an unmodified client.
            attrs["limit"] = limit = DEFAULT_CANDLES
        if attrs.get("pairsList") and not attrs.get("pair") and limit != 1:
            raise serializers.ValidationError("Parameter limit should be 1 when pairsList is used")
        return attrs


def _candle_rows(pair: Pair, params: dict[str, Any], call: Call) -> list[dict[str, Any]]:
    rows = selectors.candles(
        pair=pair,
        resolution=params["resolution"],
        data_type=params["dataType"],
        at=call.now,
        start=params.get("fromISO"),
        end=params.get("toISO"),
        limit=params.get("limit"),
    )
    out = []
    price, base = pair.price_precision, pair.base.precision
    for row in rows:
        candle: dict[str, Any] = {"timestamp": epoch_ms(row.start)}
        if row.open is not None:
            assert row.high is not None
            assert row.low is not None
            assert row.close is not None
            candle.update(
                open=json_number(row.open, price),
                high=json_number(row.high, price),
                low=json_number(row.low, price),
                close=json_number(row.close, price),
                volume=json_number(row.volume, base),
            )
        candle["resolution"] = row.resolution
        if row.is_closed:
            candle["isClosed"] = True
        candle["timestampISO"] = iso_ms(row.start)
        out.append(candle)
    return out


@action("get_candles", public=True, cost=1, params=CandlesParams)
def get_candles(params: dict[str, Any], call: Call) -> Any:
    """For `pair`: always an array. For `pairsList`: an object keyed by pair, unknown pairs as an error entry."""
    if params.get("pair"):
        return _candle_rows(_pair(params["pair"]), params, call)
    known = {pair.symbol: pair for pair in pair_list(symbols=params["pairsList"])}
    result: dict[str, Any] = {}
    for symbol in params["pairsList"]:
        pair = known.get(symbol)
        result[symbol] = (
            _candle_rows(pair, params, call)
            if pair is not None
            else {"error": {"code": 400, "reason": f"Unsupported pair {symbol}"}}
        )
    return result
