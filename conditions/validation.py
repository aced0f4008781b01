"""The rules: `order_kind` and `order_check` (every order) and `pair_conditions_problems` (every change to a
pair)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from common.money import is_multiple, places_of, step
from common.money import plain_amount as plain  # the name the apps import from here
from conditions import errors
from conditions.models import ORDER_TYPES, TIME_IN_FORCE, Pair, PairStatus

SIDES = ("BUY", "SELL")
MARKET = "Market"
STOP_LIMIT = "Stop Limit"
# The protocol: market orders fill now or never rest on the book.
MARKET_TIME_IN_FORCE = ("IOC", "FOK")


def _matching(value: str | None, allowed: Iterable[str]) -> str | None:
    """The allowed spelling of `value`, compared case-insensitively (clients differ in case)."""
    if not isinstance(value, str):
        return None
    wanted = value.strip().lower()
    return next((item for item in allowed if item.lower() == wanted), None)


_TYPE_SPELLINGS = {
    "limit": "Limit",
    "market": MARKET,
    "stop limit": STOP_LIMIT,
    "stoplimit": STOP_LIMIT,
    "stop_limit": STOP_LIMIT,
}


@dataclass(frozen=True, slots=True)
class OrderKind:
    """An order's type, side and time in force in their one spelling (`Limit`, `BUY`, `GTC`)."""

    order_type: str
    side: str
    time_in_force: str


def order_type_spelled(value: str | None) -> str | None:
    """The order type a client's spelling names (`"stop_limit"` -> `"Stop Limit"`), or None for none."""
    if not value:
        return None
    return _TYPE_SPELLINGS.get(" ".join(value.strip().lower().split()))


def order_kind(
    *, order_type: str, side: str, time_in_force: str | None, trigger: str | None = None
) -> OrderKind:
    """The one reading of an order's type, side and time in force, for both doors, before anything is stored.

    Accepts the spellings clients send: any case, surrounding blanks, `StopLimit` / `stop_limit`, and ccxt's
    two-field stop-limit (`order_type="Limit"` with `trigger="Stop Limit"`). A missing time in force is IOC for
    market orders and GTC for the rest. Anything else is refused whole, never cut to fit a column (`GTCX` is not
    `GTC`): `OrderTypeNotAllowedError`, `OrderSideInvalidError`, `TimeInForceNotAllowedError`. Whether the pair
    allows the kind is `order_check`'s question. Pure: no query.
    """
    kind = order_type_spelled(order_type)
    if kind is None:
        raise errors.OrderTypeNotAllowedError(
            f"Order type {order_type} is not supported (supported: {', '.join(ORDER_TYPES)})",
            details={"rule": errors.OrderTypeNotAllowedError.rule},
        )
    if kind == "Limit" and order_type_spelled(trigger) == STOP_LIMIT:
        kind = STOP_LIMIT
    canonical_side = side.strip().upper()
    if canonical_side not in SIDES:
        raise errors.OrderSideInvalidError(
            "Mandatory parameter side should be one of BUY,SELL",
            details={"rule": errors.OrderSideInvalidError.rule},
        )
    if time_in_force is None or not time_in_force.strip():
        tif = "IOC" if kind == MARKET else "GTC"
    else:
        tif = time_in_force.strip().upper()
        if tif not in TIME_IN_FORCE:
            raise errors.TimeInForceNotAllowedError(
                f"Time in force {time_in_force} is not supported "
                f"(supported: {', '.join(TIME_IN_FORCE)})",
                details={"rule": errors.TimeInForceNotAllowedError.rule},
            )
    return OrderKind(order_type=kind, side=canonical_side, time_in_force=tif)


def _refuse(cls: type[errors.OrderRuleError], message: str, pair: Pair, **facts: Decimal) -> None:
    details: dict[str, Any] = {"rule": cls.rule, "pair": pair.symbol}
    details.update({name: plain(value) for name, value in facts.items()})
    raise cls(message, details=details)


def _check_price(pair: Pair, price: Decimal, label: str) -> None:
    symbol = pair.symbol
    if price <= 0:
        _refuse(
            errors.OrderPriceMissingError, f"{label} should be greater than zero", pair, value=price
        )
    if not is_multiple(price, pair.tick_size):
        _refuse(
            errors.PriceTickError,
            f"{label} {plain(price)} is not a multiple of the tick size {plain(pair.tick_size)} "
            f"for {symbol}",
            pair,
            value=price,
            limit=pair.tick_size,
        )
    if price < pair.min_price:
        _refuse(
            errors.PriceBelowMinimumError,
            f"{label} {plain(price)} is below the minimum {plain(pair.min_price)} for {symbol}",
            pair,
            value=price,
            limit=pair.min_price,
        )
    if price > pair.max_price:
        _refuse(
            errors.PriceAboveMaximumError,
            f"{label} {plain(price)} is above the maximum {plain(pair.max_price)} for {symbol}",
            pair,
            value=price,
            limit=pair.max_price,
        )


def _check_value(pair: Pair, value: Decimal) -> None:
    symbol, quote = pair.symbol, pair.quote_id
    if value < pair.min_value:
        _refuse(
            errors.ValueBelowMinimumError,
            f"Order value {plain(value)} {quote} is below the minimum {plain(pair.min_value)} "
            f"{quote} for {symbol}",
            pair,
            value=value,
            limit=pair.min_value,
        )
    if value > pair.max_value:
        _refuse(
            errors.ValueAboveMaximumError,
            f"Order value {plain(value)} {quote} is above the maximum {plain(pair.max_value)} "
            f"{quote} for {symbol}",
            pair,
            value=value,
            limit=pair.max_value,
        )


def order_check(
    *,
    pair: Pair,
    side: str,
    order_type: str,
    time_in_force: str,
    amount: Decimal | None,
    price: Decimal | None,
    quote_amount: Decimal | None = None,
    stop_price: Decimal | None = None,
) -> None:
    """Check one new order against its pair's trading conditions; returns None or raises.

    In order: pair status (halted / cancel-only), side, order type and time in force allowed on the pair
    (case-insensitive; market orders take only IOC or FOK), amounts present (a market order carries exactly one of
    `amount` and `quote_amount`, any other order `amount` only), price (limit and stop-limit orders: present,
    multiple of the tick, inside [min_price, max_price]; the same for `stop_price`, required on stop-limit), amount
    (multiple of the lot, inside [min_amount, max_amount]), quote amount (at most `quote_precision` decimals), value
    (amount x price, or the quote amount, inside [min_value, max_value]).

    For a market order `price` is optional and means a reference price (e.g. the best opposite price): it is
    used only for the value check, which is skipped without one. All bounds are inclusive.

    Raises an `OrderRuleError` subclass whose `rule` names the protocol rule and whose message names the limit.
    Reads only the pair passed in: no query, no lock, no record.
    """
    symbol = pair.symbol
    if pair.status == PairStatus.HALTED:
        _refuse(errors.PairHaltedError, f"Trading on {symbol} is halted", pair)
    if pair.status == PairStatus.CANCEL_ONLY:
        _refuse(
            errors.PairCancelOnlyError, f"{symbol} accepts cancellations only, no new orders", pair
        )
    if _matching(side, SIDES) is None:
        _refuse(
            errors.OrderSideInvalidError, "Mandatory parameter side should be one of BUY,SELL", pair
        )
    kind = _matching(order_type, pair.order_types)
    if kind is None:
        _refuse(
            errors.OrderTypeNotAllowedError,
            f"Order type {order_type} is not allowed for {symbol} "
            f"(allowed: {', '.join(pair.order_types)})",
            pair,
        )
    tif = _matching(time_in_force, pair.time_in_force)
    if tif is None:
        _refuse(
            errors.TimeInForceNotAllowedError,
            f"Time in force {time_in_force} is not allowed for {symbol} "
            f"(allowed: {', '.join(pair.time_in_force)})",
            pair,
        )
    is_market = kind == MARKET
    if is_market and tif not in MARKET_TIME_IN_FORCE:
        _refuse(
            errors.TimeInForceNotAllowedError,
            f"Market orders accept only IOC or FOK, not {tif}",
            pair,
        )

    if is_market:
        if (amount is None) == (quote_amount is None):
            _refuse(
                errors.OrderAmountMissingError,
                "Either AmountCcy1 (OrderQty) or AmountCcy2 (CashOrderQty) should be specified "
                "for market order not both",
                pair,
            )
    else:
        if amount is None:
            _refuse(
                errors.OrderAmountMissingError, "Mandatory parameter amountCcy1 is missing", pair
            )
        if quote_amount is not None:
            _refuse(
                errors.OrderAmountMissingError,
                f"Only market orders may give the amount in {pair.quote_id} (amountCcy2)",
                pair,
            )
        if price is None:
            _refuse(errors.OrderPriceMissingError, "Mandatory parameter price is missing", pair)
        if kind == STOP_LIMIT and stop_price is None:
            _refuse(errors.StopPriceMissingError, "Mandatory parameter stopPrice is missing", pair)

    if not is_market:
        assert price is not None  # narrowed above
        _check_price(pair, price, "Price")
        if stop_price is not None:
            _check_price(pair, stop_price, "Stop price")

    if amount is not None:
        if amount <= 0:
            _refuse(
                errors.OrderAmountNotPositiveError,
                "Amount should be greater than zero",
                pair,
                value=amount,
            )
        if not is_multiple(amount, pair.lot_size):
            _refuse(
                errors.AmountLotSizeError,
                f"Amount {plain(amount)} is not a multiple of the lot size {plain(pair.lot_size)} "
                f"for {symbol}",
                pair,
                value=amount,
                limit=pair.lot_size,
            )
        if amount < pair.min_amount:
            _refuse(
                errors.AmountBelowMinimumError,
                f"Amount {plain(amount)} is below the minimum {plain(pair.min_amount)} for {symbol}",
                pair,
                value=amount,
                limit=pair.min_amount,
            )
        if amount > pair.max_amount:
            _refuse(
                errors.AmountAboveMaximumError,
                f"Amount {plain(amount)} is above the maximum {plain(pair.max_amount)} for {symbol}",
                pair,
                value=amount,
                limit=pair.max_amount,
            )
        if price is not None:
            _check_value(pair, amount * price)
    if quote_amount is not None:
        if quote_amount <= 0:
            _refuse(
                errors.OrderAmountNotPositiveError,
                "Amount should be greater than zero",
                pair,
                value=quote_amount,
            )
        if not is_multiple(quote_amount, step(pair.quote_precision)):
            _refuse(
                errors.QuoteAmountPrecisionError,
                f"Amount {plain(quote_amount)} {pair.quote_id} has more than "
                f"{pair.quote_precision} decimals for {symbol}",
                pair,
                value=quote_amount,
                limit=step(pair.quote_precision),
            )
        _check_value(pair, quote_amount)


# --- Consistency of a pair's conditions (admin and services) ----------------------------------------

DECIMAL_FIELDS = (
    "tick_size",
    "min_price",
    "max_price",
    "lot_size",
    "min_amount",
    "max_amount",
    "min_value",
    "max_value",
)


def pair_conditions_problems(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Everything wrong with a pair's would-be conditions, as field -> messages (empty when consistent).

    `values` holds the model's fields (`base`, `quote`, `fee_currency` as Currency objects). Checks: base and
    quote differ and the symbol is "BASE-QUOTE"; ticks and lots positive; every minimum positive and at most its
    maximum; prices multiples of the tick and amounts of the lot; lot decimals <= base precision; pair precisions
    <= the currencies' precisions (a price may have more decimals than its quote currency: XRP-USD at 0.5234);
    fee currency is base or quote; order types and time-in-force values known and not empty.
    """
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    base, quote, fee_currency = values.get("base"), values.get("quote"), values.get("fee_currency")
    if base is not None and quote is not None:
        if base.pk == quote.pk:
            add("quote", "Base and quote must differ.")
        symbol = values.get("symbol")
        if symbol and symbol != f"{base.pk}-{quote.pk}":
            add("symbol", f"The symbol must be {base.pk}-{quote.pk}.")
        if fee_currency is not None and fee_currency.pk not in (base.pk, quote.pk):
            add("fee_currency", "The fee currency must be the base or the quote currency.")

    amounts: dict[str, Decimal] = {}
    for field in DECIMAL_FIELDS:
        value = values.get(field)
        if not isinstance(value, Decimal):
            add(field, "This field is required.")
        elif value <= 0:
            add(field, "Must be greater than zero.")
        else:
            amounts[field] = value

    for low, high in (
        ("min_price", "max_price"),
        ("min_amount", "max_amount"),
        ("min_value", "max_value"),
    ):
        if low in amounts and high in amounts and amounts[low] > amounts[high]:
            add(low, f"Must not exceed {high.replace('_', ' ')} ({plain(amounts[high])}).")

    tick, lot = amounts.get("tick_size"), amounts.get("lot_size")
    for field in ("min_price", "max_price"):
        if tick is not None and field in amounts and not is_multiple(amounts[field], tick):
            add(field, f"Must be a multiple of the tick size {plain(tick)}.")
    for field in ("min_amount", "max_amount"):
        if lot is not None and field in amounts and not is_multiple(amounts[field], lot):
            add(field, f"Must be a multiple of the lot size {plain(lot)}.")

    base_precision, quote_precision = values.get("base_precision"), values.get("quote_precision")
    if lot is not None and isinstance(base_precision, int) and places_of(lot) > base_precision:
        add("lot_size", f"Has more decimals than the base precision ({base_precision}).")
    if isinstance(base_precision, int) and base is not None and base_precision > base.precision:
        add("base_precision", f"Must not exceed {base.pk}'s precision ({base.precision}).")
    if isinstance(quote_precision, int) and quote is not None and quote_precision > quote.precision:
        add("quote_precision", f"Must not exceed {quote.pk}'s precision ({quote.precision}).")

    for field, known in (("order_types", ORDER_TYPES), ("time_in_force", TIME_IN_FORCE)):
        chosen = values.get(field)
        if not isinstance(chosen, list) or not chosen:
            add(field, "Choose at least one.")
        elif unknown := [item for item in chosen if item not in known]:
            add(field, f"Unknown: {', '.join(map(str, unknown))}.")
    return problems
