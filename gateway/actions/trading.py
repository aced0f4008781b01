"""Orders and market data on the wire (cexio-protocol.md §3.5-3.8, §3.15-3.18, §4). Every rule lives in
`trading.services` / `trading.selectors`; these handlers check the protocol's own parameter rules and rename.

Orders are answered in the protocol's shape (§4.5): ids and amounts as strings (amounts padded to the currency's
precision, prices to the pair's), timestamps in epoch ms. A rejected order is HTTP 200 with `status: REJECTED`
and a non-null `rejectReason`; an accepted one carries `rejectReason: null`. Candles carry JSON numbers, as the
protocol says.
"""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from apikeys.models import Permission
from common.money import places_of
from conditions.models import Pair
from conditions.selectors import pair_get, pair_list
from gateway.envelope import DOMAIN_ERRORS
from gateway.errors import ParameterError
from gateway.params import (
    AccountIdParam,
    BoolParam,
    ChoiceParam,
    CurrencyParam,
    DateTimeParam,
    DecimalParam,
    IntParam,
    ListParam,
    PairParam,
    Params,
    StringParam,
    TimestampMsParam,
    iso_ms,
    ms_timestamp,
)
from gateway.registry import Call, action
from trading import selectors, services
from trading.models import FINAL_STATUSES, Order, OrderStatus, OrderType, Side, Trade

DOMAIN_ERRORS.update(
    {
        "main_account_orders_not_allowed": (400, None),
        "client_order_id_conflict": (422, None),
        "order_not_found": (422, None),
        "order_final": (422, None),
        "order_cancel_not_allowed": (422, None),
    }
)

SIDE_TEXT = "Mandatory parameter side should be one of BUY,SELL"
PRICE_MISSING = "Mandatory parameter price is missing"
ORDERS_PAGE_MAX = 1000
ORDERS_PAGE_TEXT = f"Page size is limited to {ORDERS_PAGE_MAX} items"
MAX_RANGE = timedelta(days=365)


def amount_text(value: Decimal | None, places: int) -> str | None:
    """A fixed-point string padded to `places`; more decimals only when the value really has them."""
    if value is None:
        return None
    return format(value.quantize(Decimal(1).scaleb(-max(places, places_of(value)))), "f")


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else ms_timestamp(moment)


# --- order shapes -----------------------------------------------------------------------------------


def order_row(order: Order) -> dict[str, Any]:
    """An order as `get_my_orders` lists it (§4.5)."""
    pair = order.pair
    base, quote = pair.base, pair.quote
    price_places = pair.price_precision

    def held(currency: str) -> str | None:
        if order.hold_currency_id != currency:
            return None
        places = base.precision if currency == base.code else quote.precision
        return amount_text(order.hold_initial, places)

    row: dict[str, Any] = {
        "orderId": str(order.pk),
        "clientOrderId": order.client_order_id,
        "clientId": order.user.public_id,
        "accountId": order.account.name or None,
        "status": order.status,
        "statusIsFinal": order.status in FINAL_STATUSES,
        "currency1": base.code,
        "currency2": quote.code,
        "side": order.side,
        "orderType": order.order_type,
        "timeInForce": order.time_in_force,
        "comment": order.comment or None,
        "rejectCode": order.reject_code,
        "rejectReason": order.reject_reason or None,
        "requestedAmountCcy1": amount_text(order.amount, base.precision),
        "requestedAmountCcy2": amount_text(order.quote_amount, quote.precision),
        "executedAmountCcy1": amount_text(order.executed_amount, base.precision),
        "executedAmountCcy2": amount_text(order.executed_quote, quote.precision),
        "initialOnHoldAmountCcy1": held(base.code),
        "initialOnHoldAmountCcy2": held(quote.code),
        "price": amount_text(order.price, price_places),
        "averagePrice": amount_text(
            None
            if order.average_price is None
            else order.average_price.quantize(Decimal(1).scaleb(-price_places)),
            price_places,
        ),
        "feeAmount": amount_text(
            order.fee_amount,
            base.precision if order.fee_currency_id == base.code else quote.precision,
        ),
        "feeCurrency": order.fee_currency_id,
        "clientCreateTimestamp": _ms(order.client_created_at),
        "serverCreateTimestamp": ms_timestamp(order.created_at),
        "lastUpdateTimestamp": ms_timestamp(order.updated_at),
        "expireTime": _ms(order.expire_at),
        "effectiveTime": None,
    }
    if order.order_type == OrderType.STOP_LIMIT:
        row["stopPrice"] = amount_text(order.stop_price, price_places)
    return row


def execution_report(result: services.PlaceResult) -> dict[str, Any]:
    """The `do_my_new_order` answer: the order's latest state, shaped as an execution report (§3.16)."""
    order = result.order
    report = {"messageType": "executionReport", **order_row(order)}
    if order.status == OrderStatus.REJECTED:
        report["executionType"] = "Rejected"
        report["orderRejectReason"] = json.dumps(
            {"code": order.reject_code, "reason": order.reject_reason}, separators=(",", ":")
        )
    elif result.trades:
        last: Trade = result.trades[-1]
        pair = order.pair
        report["executionType"] = "Trade"
        report["lastQuantity"] = report["lastAmountCcy1"] = amount_text(
            last.amount, pair.base.precision
        )
        report["lastAmountCcy2"] = amount_text(last.quote_amount, pair.quote.precision)
        report["lastPrice"] = amount_text(last.price, pair.price_precision)
    else:
        report["executionType"] = "New"
    report["executionId"] = f"{ms_timestamp(order.updated_at)}_{order.pk}_{len(result.trades)}"
    report["transactTime"] = iso_ms(order.updated_at)
    return report


# --- do_my_new_order --------------------------------------------------------------------------------


class NewOrderParams(Params):
    clientOrderId = StringParam(max_length=64, required=False, allow_null=True)
    accountId = AccountIdParam(allow_blank=True, required=False, allow_null=True)
    currency1 = CurrencyParam()
    currency2 = CurrencyParam()
    side = ChoiceParam(
        choices=(Side.BUY, Side.SELL),
        error_messages={"required": SIDE_TEXT, "null": SIDE_TEXT, "invalid_choice": SIDE_TEXT},
    )
    orderType = StringParam(max_length=20)
    timestamp = TimestampMsParam()
    timeInForce = StringParam(max_length=8, required=False, allow_null=True)
    comment = StringParam(max_length=255, allow_blank=True, required=False, allow_null=True)
    amountCcy1 = DecimalParam(required=False, allow_null=True)
    amountCcy2 = DecimalParam(required=False, allow_null=True)
    price = DecimalParam(required=False, allow_null=True)
    stopPrice = DecimalParam(required=False, allow_null=True)
    expireTime = TimestampMsParam(required=False, allow_null=True)
    type = StringParam(
        max_length=20, required=False, allow_null=True
    )  # ccxt: "Stop Limit" with Limit


def _is(value: str | None, kind: str) -> bool:
    return bool(value) and services.normalise_type(value or "") == kind


@action(
    "do_my_new_order",
    permission=Permission.TRADE,
    cost=1,
    mutates=True,
    params=NewOrderParams,
    log_params=(
        "clientOrderId",
        "accountId",
        "currency1",
        "currency2",
        "side",
        "orderType",
        "timeInForce",
        "amountCcy1",
        "amountCcy2",
        "price",
        "stopPrice",
    ),
)
def do_my_new_order(params: dict[str, Any], call: Call) -> dict[str, Any]:
    kind = params["orderType"]
    triggered = params.get("stopPrice") is not None or _is(params.get("type"), OrderType.STOP_LIMIT)
    if _is(kind, OrderType.MARKET) and triggered:
        raise ParameterError(services.MARKET_TRIGGER)
    if _is(kind, OrderType.LIMIT) and _is(params.get("type"), OrderType.STOP_LIMIT):
        kind = OrderType.STOP_LIMIT  # ccxt's two-field spelling of a stop-limit order
    if (_is(kind, OrderType.LIMIT) or _is(kind, OrderType.STOP_LIMIT)) and params.get(
        "price"
    ) is None:
        raise ParameterError(PRICE_MISSING)
    result = services.order_place(
        # A bare user: the placement reads the one field of it the answer shows (`public_id`) together with
        # the account, one query less than loading the user.
        user=call.user_ref(),
        account=params.get("accountId") or "",
        pair=f"{params['currency1']}-{params['currency2']}",
        side=params["side"],
        order_type=kind,
        amount=params.get("amountCcy1"),
        quote_amount=params.get("amountCcy2"),
        price=params.get("price"),
        stop_price=params.get("stopPrice"),
        time_in_force=params.get("timeInForce"),
        expire_at=params.get("expireTime"),
        client_order_id=params.get("clientOrderId") or "",
        comment=params.get("comment") or "",
        client_created_at=params["timestamp"],
        now=call.now,
        actor=call.actor,
    )
    return execution_report(result)


# --- cancels ----------------------------------------------------------------------------------------


class CancelParams(Params):
    orderId = IntParam(min_value=1, required=False, allow_null=True)
    clientOrderId = StringParam(max_length=64, required=False, allow_null=True)
    cancelRequestId = StringParam(max_length=64)
    timestamp = TimestampMsParam()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_id = attrs.get("orderId") is not None
        has_client_id = bool(attrs.get("clientOrderId"))
        if not has_id and not has_client_id:
            raise serializers.ValidationError("ClientOrderId or orderId should be specified")
        if has_id and has_client_id:
            raise serializers.ValidationError(
                "Only one of the fields ClientOrderId or orderId should be specified, not both"
            )
        return attrs


@action(
    "do_cancel_my_order", permission=Permission.TRADE, cost=1, mutates=True, params=CancelParams
)
def do_cancel_my_order(params: dict[str, Any], call: Call) -> dict[str, Any]:
    """Cancels at once (the protocol allows an asynchronous cancel; ours is done when we answer)."""
    services.order_cancel(
        user=call.user,
        order_id=params.get("orderId"),
        client_order_id=params.get("clientOrderId"),
        now=call.now,
        actor=call.actor,
    )
    return {}


class CancelAllParams(Params):
    accountIds = ListParam(child=StringParam(allow_blank=True), required=False, allow_null=True)


@action(
    "do_cancel_all_orders",
    permission=Permission.TRADE,
    cost=5,
    mutates=True,
    params=CancelAllParams,
)
def do_cancel_all_orders(params: dict[str, Any], call: Call) -> dict[str, Any]:
    cancelled = services.order_cancel_all(
        user=call.user, accounts=params.get("accountIds") or None, now=call.now, actor=call.actor
    )
    return {"clientOrderIds": [order.client_order_id for order in cancelled]}


# --- get_my_orders ----------------------------------------------------------------------------------


class MyOrdersParams(Params):
    clientOrderId = StringParam(max_length=64, required=False, allow_null=True)
    orderId = IntParam(min_value=0, required=False, allow_null=True)
    archived = BoolParam(required=False, allow_null=True)
    pair = StringParam(max_length=21, allow_blank=True, required=False, allow_null=True)
    side = ChoiceParam(choices=(Side.BUY, Side.SELL), required=False, allow_null=True)
    accountIds = ListParam(child=StringParam(allow_blank=True), required=False, allow_null=True)
    serverCreateTimestampFrom = TimestampMsParam(required=False, allow_null=True)
    serverCreateTimestampTo = TimestampMsParam(required=False, allow_null=True)
    sortOrder = ChoiceParam(choices=("ASC", "DESC"), required=False, allow_null=True)
    pageSize = IntParam(min_value=1, required=False, allow_null=True)
    pageNumber = IntParam(min_value=0, required=False, allow_null=True)

    def validate_pageSize(self, value: int | None) -> int | None:
        if value is not None and value > ORDERS_PAGE_MAX:
            raise serializers.ValidationError(ORDERS_PAGE_TEXT)
        return value


@action("get_my_orders", permission=Permission.READ, cost=5, params=MyOrdersParams)
def get_my_orders(params: dict[str, Any], call: Call) -> list[dict[str, Any]]:
    if params.get("clientOrderId"):
        rows = selectors.order_list_by_client_id(
            user=call.user, client_order_id=params["clientOrderId"]
        )
        return [order_row(order) for order in rows]
    if params.get("orderId") is not None:
        order = selectors.order_get(user=call.user, order_id=params["orderId"])
        return [] if order is None else [order_row(order)]
    archived = bool(params.get("archived"))
    start = params.get("serverCreateTimestampFrom")
    end = params.get("serverCreateTimestampTo")
    if archived and start is None:
        raise ParameterError("Mandatory parameter serverCreateTimestampFrom is missing")
    if start is not None and (end or call.now) - start > MAX_RANGE:
        raise ParameterError(
            "Time range between serverCreateTimestampFrom and To is limited to 365 days"
        )
    accounts = params.get("accountIds")
    rows = selectors.order_list(
        user=call.user,
        archived=archived,
        pair=params.get("pair") or None,
        side=params.get("side"),
        accounts=[name or "" for name in accounts] if accounts else None,
        created_from=start,
        created_to=end,
        ascending=params.get("sortOrder") == "ASC",
    )
    size = params.get("pageSize") or ORDERS_PAGE_MAX
    offset = (params.get("pageNumber") or 0) * size
    return [order_row(order) for order in rows[offset : offset + size]]


# --- market data ------------------------------------------------------------------------------------


def _pair(symbol: str) -> Pair:
    return pair_get(symbol=symbol)


class OrderBookParams(Params):
    pair = PairParam()


@action("get_order_book", public=True, cost=1, params=OrderBookParams)
def get_order_book(params: dict[str, Any], call: Call) -> dict[str, Any]:
    pair = _pair(params["pair"])
    book = selectors.order_book(pair=pair, at=call.now)
    price_places, amount_places = pair.price_precision, pair.base.precision

    def levels(rows: list[tuple[Decimal, Decimal]]) -> list[list[str | None]]:
        return [
            [amount_text(price, price_places), amount_text(amount, amount_places)]
            for price, amount in rows
        ]

    return {
        "timestamp": ms_timestamp(book.at),
        "currency1": pair.base_id,
        "currency2": pair.quote_id,
        "bids": levels(book.bids),
        "asks": levels(book.asks),
    }


class TickerParams(Params):
    pairs = ListParam(child=PairParam(), required=False, allow_null=True)


def _text(value: Decimal | None, places: int) -> str | None:
    return amount_text(value, places)


def _percent(change: Decimal | None, base: Decimal | None) -> str | None:
    if change is None or not base:
        return None
    return format((change / base * 100).quantize(Decimal("0.01")), "f")


@action("get_ticker", public=True, cost=1, params=TickerParams)
def get_ticker(params: dict[str, Any], call: Call) -> dict[str, Any]:
    """Keyed by pair id; unknown pairs are left out."""
    pairs = list(pair_list(symbols=params.get("pairs") or None))
    data: dict[str, Any] = {}
    for ticker in selectors.tickers(pairs=pairs, at=call.now):
        pair = ticker.pair
        price, base, quote = pair.price_precision, pair.base.precision, pair.quote.precision
        data[pair.symbol] = {
            "bestBid": _text(ticker.best_bid, price),
            "bestAsk": _text(ticker.best_ask, price),
            "bestBidChange": _text(ticker.best_bid_change, price),
            "bestBidChangePercentage": _percent(
                ticker.best_bid_change,
                None
                if ticker.best_bid is None or ticker.best_bid_change is None
                else ticker.best_bid - ticker.best_bid_change,
            ),
            "bestAskChange": _text(ticker.best_ask_change, price),
            "bestAskChangePercentage": _percent(
                ticker.best_ask_change,
                None
                if ticker.best_ask is None or ticker.best_ask_change is None
                else ticker.best_ask - ticker.best_ask_change,
            ),
            "low": _text(ticker.low, price),
            "high": _text(ticker.high, price),
            "volume": _text(ticker.volume, base),
            "quoteVolume": _text(ticker.quote_volume, quote),
            "volume30d": _text(ticker.volume_30d, base),
            "lastTradeVolume": _text(ticker.last_trade_volume, base),
            "last": _text(
                None if ticker.last is None else ticker.last.quantize(Decimal(1).scaleb(-price)),
                price,
            ),
            "lastTradePrice": _text(ticker.last_trade_price, price),
            "priceChange": _text(ticker.price_change, price),
            "priceChangePercentage": _percent(ticker.price_change, ticker.open_price),
            "lastTradeDateISO": None
            if ticker.last_trade_at is None
            else iso_ms(ticker.last_trade_at),
            "volumeUSD": _text(ticker.volume_usd.quantize(Decimal("0.01")), 2),
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


def trade_id(trade: Trade) -> str:
    """`<ms timestamp>-<sequence>`, the protocol's shape; the sequence is our trade id."""
    return f"{ms_timestamp(trade.created_at)}-{trade.pk}"


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
    price, base = pair.price_precision, pair.base.precision
    return {
        "pageSize": size,
        "trades": [
            {
                "tradeId": trade_id(trade),
                "dateISO": iso_ms(trade.created_at),
                "side": trade.taker_side,
                "price": amount_text(trade.price, price),
                "amount": amount_text(trade.amount, base),
            }
            for trade in trades
        ],
    }


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


def _number(value: Decimal) -> float | int:
    # The protocol sends OHLCV as JSON numbers (the one place it does); converted at the wire only.
    return int(value) if value == value.to_integral_value() else float(value)


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
    for row in rows:
        candle: dict[str, Any] = {"timestamp": ms_timestamp(row.start)}
        if row.open is not None:
            assert row.high is not None
            assert row.low is not None
            assert row.close is not None
            candle.update(
                open=_number(row.open),
                high=_number(row.high),
                low=_number(row.low),
                close=_number(row.close),
                volume=_number(row.volume),
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
