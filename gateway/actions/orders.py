"""Orders on the wire: place, cancel, cancel all, list (cexio-protocol.md §3.15-3.18, §4). Every rule lives in
`trading.services` / `trading.selectors`, and the reading of an order's type, side and time in force in
`conditions.validation.order_kind`; these handlers check the protocol's own parameter rules and rename.

Orders are answered in the protocol's shape (§4.5): ids and amounts as strings (amounts padded to the currency's
precision, prices to the pair's: `gateway.wire.padded`), timestamps in epoch ms. A rejected order is HTTP 200
with `status: REJECTED` and a non-null `rejectReason`; an accepted one carries `rejectReason: null`.
"""

import json
from datetime import datetime, timedelta
from typing import Any

from rest_framework import serializers

from apikeys.models import Permission
from conditions.models import Pair
from conditions.validation import order_kind, order_type_spelled
from gateway.errors import ParameterError
from gateway.params import (
    AccountIdParam,
    BoolParam,
    ChoiceParam,
    CurrencyParam,
    DecimalParam,
    IntParam,
    ListParam,
    Params,
    StringParam,
    TimestampMsParam,
)
from gateway.registry import Call, action
from gateway.wire import epoch_ms, iso_ms, padded, rounded
from trading import selectors, services
from trading.models import FINAL_STATUSES, Order, OrderStatus, OrderType, Side, Trade

SIDE_TEXT = "Mandatory parameter side should be one of BUY,SELL"
PRICE_MISSING = "Mandatory parameter price is missing"
ORDERS_PAGE_MAX = 1000
ORDERS_PAGE_TEXT = f"Page size is limited to {ORDERS_PAGE_MAX} items"
MAX_RANGE = timedelta(days=365)


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else epoch_ms(moment)


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
        return padded(order.hold_initial, places)

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
        "requestedAmountCcy1": padded(order.amount, base.precision),
        "requestedAmountCcy2": padded(order.quote_amount, quote.precision),
        "executedAmountCcy1": padded(order.executed_amount, base.precision),
        "executedAmountCcy2": padded(order.executed_quote, quote.precision),
        "initialOnHoldAmountCcy1": held(base.code),
        "initialOnHoldAmountCcy2": held(quote.code),
        "price": padded(order.price, price_places),
        "averagePrice": rounded(order.average_price, price_places),
        "feeAmount": padded(
            order.fee_amount,
            base.precision if order.fee_currency_id == base.code else quote.precision,
        ),
        "feeCurrency": order.fee_currency_id,
        "clientCreateTimestamp": _ms(order.client_created_at),
        "serverCreateTimestamp": epoch_ms(order.created_at),
        "lastUpdateTimestamp": epoch_ms(order.updated_at),
        "expireTime": _ms(order.expire_at),
        "effectiveTime": None,
    }
    if order.order_type == OrderType.STOP_LIMIT:
        row["stopPrice"] = padded(order.stop_price, price_places)
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
        report["executionType"] = "Trade"
        report.update(fill_fields(result.trades[-1], order.pair))
    else:
        report["executionType"] = "New"
    report["executionId"] = f"{epoch_ms(order.updated_at)}_{order.pk}_{len(result.trades)}"
    report["transactTime"] = iso_ms(order.updated_at)
    return report


def fill_fields(trade: Trade, pair: Pair) -> dict[str, Any]:
    """What a `Trade` execution report adds for its fill (`lastQuantity`/`lastPrice`: the older names)."""
    amount = padded(trade.amount, pair.base.precision)
    return {
        "lastQuantity": amount,
        "lastAmountCcy1": amount,
        "lastAmountCcy2": padded(trade.quote_amount, pair.quote.precision),
        "lastPrice": padded(trade.price, pair.price_precision),
    }


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
    # Read once, refused whole before anything is stored: `GTCX` is not `GTC`. `type` is ccxt's second field.
    kind = order_kind(
        order_type=params["orderType"],
        side=params["side"],
        time_in_force=params.get("timeInForce"),
        trigger=params.get("type"),
    )
    triggered = params.get("stopPrice") is not None or (
        order_type_spelled(params.get("type")) == OrderType.STOP_LIMIT
    )
    if kind.order_type == OrderType.MARKET and triggered:
        raise ParameterError(services.MARKET_TRIGGER)
    if kind.order_type != OrderType.MARKET and params.get("price") is None:
        raise ParameterError(PRICE_MISSING)
    result = services.order_place(
        # A bare user: the placement reads the one field of it the answer shows (`public_id`) together with
        # the account, one query less than loading the user.
        user=call.user_ref(),
        account=params.get("accountId") or "",
        pair=f"{params['currency1']}-{params['currency2']}",
        side=kind.side,
        order_type=kind.order_type,
        amount=params.get("amountCcy1"),
        quote_amount=params.get("amountCcy2"),
        price=params.get("price"),
        stop_price=params.get("stopPrice"),
        time_in_force=kind.time_in_force,
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
        cancel_request_id=params["cancelRequestId"],
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
