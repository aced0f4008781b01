"""`order_check`: every rule at, just inside and just outside its limit (BTC-USD: tick 0.1, price 100..1000000,
lot 0.00001, amount 0.0001..100, value 10..1000000 USD, quote precision 2)."""

from decimal import Decimal as D

import pytest

from conditions import errors
from conditions.models import PairStatus
from conditions.tests.factories import PairFactory
from conditions.validation import order_check


@pytest.fixture
def pair():  # type: ignore[no-untyped-def]
    return PairFactory.build()


def limit(**overrides):  # type: ignore[no-untyped-def]
    order = {
        "side": "BUY",
        "order_type": "Limit",
        "time_in_force": "GTC",
        "amount": D("0.01"),
        "price": D("50000"),
    }
    order.update(overrides)
    return order


def market(**overrides):  # type: ignore[no-untyped-def]
    order = {
        "side": "SELL",
        "order_type": "Market",
        "time_in_force": "IOC",
        "amount": None,
        "price": None,
    }
    order.update(overrides)
    return order


ACCEPTED = [
    pytest.param(limit(), id="plain limit"),
    pytest.param(limit(price=D("100"), amount=D("0.1")), id="price at minimum, value at minimum"),
    pytest.param(limit(price=D("1000000"), amount=D("0.0001")), id="price at maximum"),
    pytest.param(limit(price=D("100.1"), amount=D("0.1")), id="price one tick above minimum"),
    pytest.param(limit(price=D("999999.9"), amount=D("0.0001")), id="price one tick below maximum"),
    pytest.param(limit(amount=D("0.0001"), price=D("100000")), id="amount at minimum"),
    pytest.param(limit(amount=D("0.00011"), price=D("100000")), id="amount one lot above minimum"),
    pytest.param(
        limit(amount=D("100"), price=D("10000")), id="amount at maximum, value at maximum"
    ),
    pytest.param(limit(amount=D("99.99999"), price=D("100")), id="amount one lot below maximum"),
    pytest.param(limit(price=D("50000.00"), amount=D("0.0100000")), id="trailing zeros are fine"),
    pytest.param(limit(side="buy", order_type="limit", time_in_force="gtc"), id="case-insensitive"),
    pytest.param(limit(order_type="Stop Limit", stop_price=D("49000")), id="stop limit"),
    pytest.param(market(amount=D("0.01")), id="market by amount without reference price"),
    pytest.param(
        market(amount=D("0.0002"), price=D("50000")), id="market by amount, value 10 at minimum"
    ),
    pytest.param(market(side="BUY", quote_amount=D("10")), id="market by quote at minimum value"),
    pytest.param(
        market(side="BUY", quote_amount=D("1000000")), id="market by quote at maximum value"
    ),
    pytest.param(market(amount=D("0.01"), time_in_force="FOK"), id="market FOK"),
]


@pytest.mark.parametrize("order", ACCEPTED)
def test_orders_inside_every_limit_pass(pair, order) -> None:  # type: ignore[no-untyped-def]
    assert order_check(pair=pair, **order) is None


REFUSED = [
    # price band and tick
    (
        limit(price=D("99.9"), amount=D("1")),
        errors.PriceBelowMinimumError,
        "Price 99.9 is below the minimum 100 for BTC-USD",
    ),
    (
        limit(price=D("1000000.1"), amount=D("0.0001")),
        errors.PriceAboveMaximumError,
        "Price 1000000.1 is above the maximum 1000000 for BTC-USD",
    ),
    (
        limit(price=D("50000.05")),
        errors.PriceTickError,
        "Price 50000.05 is not a multiple of the tick size 0.1 for BTC-USD",
    ),
    (limit(price=D("0")), errors.OrderPriceMissingError, "Price should be greater than zero"),
    (limit(price=None), errors.OrderPriceMissingError, "Mandatory parameter price is missing"),
    # amount: lot, minimum, maximum
    (
        limit(amount=D("0.00009"), price=D("200000")),
        errors.AmountBelowMinimumError,
        "Amount 0.00009 is below the minimum 0.0001 for BTC-USD",
    ),
    (
        limit(amount=D("0.00001"), price=D("1000000")),
        errors.AmountBelowMinimumError,
        "Amount 0.00001 is below the minimum 0.0001 for BTC-USD",
    ),
    (
        limit(amount=D("0.000015")),
        errors.AmountLotSizeError,
        "Amount 0.000015 is not a multiple of the lot size 0.00001 for BTC-USD",
    ),
    (
        limit(amount=D("100.00001"), price=D("100")),
        errors.AmountAboveMaximumError,
        "Amount 100.00001 is above the maximum 100 for BTC-USD",
    ),
    (
        limit(amount=D("0")),
        errors.OrderAmountNotPositiveError,
        "Amount should be greater than zero",
    ),
    (
        limit(amount=D("-1")),
        errors.OrderAmountNotPositiveError,
        "Amount should be greater than zero",
    ),
    (
        limit(amount=None),
        errors.OrderAmountMissingError,
        "Mandatory parameter amountCcy1 is missing",
    ),
    # value
    (
        limit(amount=D("0.0001"), price=D("99999.9")),
        errors.ValueBelowMinimumError,
        "Order value 9.99999 USD is below the minimum 10 USD for BTC-USD",
    ),
    (
        limit(amount=D("20"), price=D("50000.1")),
        errors.ValueAboveMaximumError,
        "Order value 1000002 USD is above the maximum 1000000 USD for BTC-USD",
    ),
    (
        market(amount=D("0.0001"), price=D("50000")),
        errors.ValueBelowMinimumError,
        "Order value 5 USD is below the minimum 10 USD for BTC-USD",
    ),
    (
        market(side="BUY", quote_amount=D("9.99")),
        errors.ValueBelowMinimumError,
        "Order value 9.99 USD is below the minimum 10 USD for BTC-USD",
    ),
    (
        market(side="BUY", quote_amount=D("1000000.01")),
        errors.ValueAboveMaximumError,
        "Order value 1000000.01 USD is above the maximum 1000000 USD for BTC-USD",
    ),
    (
        market(side="BUY", quote_amount=D("10.001")),
        errors.QuoteAmountPrecisionError,
        "Amount 10.001 USD has more than 2 decimals for BTC-USD",
    ),
    # market amounts
    (
        market(amount=D("0.01"), quote_amount=D("100")),
        errors.OrderAmountMissingError,
        "Either AmountCcy1 (OrderQty) or AmountCcy2 (CashOrderQty) should be specified for market order not both",
    ),
    (
        market(),
        errors.OrderAmountMissingError,
        "Either AmountCcy1 (OrderQty) or AmountCcy2 (CashOrderQty) should be specified for market order not both",
    ),
    (
        limit(quote_amount=D("100")),
        errors.OrderAmountMissingError,
        "Only market orders may give the amount in USD (amountCcy2)",
    ),
    # stop limit
    (
        limit(order_type="Stop Limit"),
        errors.StopPriceMissingError,
        "Mandatory parameter stopPrice is missing",
    ),
    (
        limit(order_type="Stop Limit", stop_price=D("49000.05")),
        errors.PriceTickError,
        "Stop price 49000.05 is not a multiple of the tick size 0.1 for BTC-USD",
    ),
    (
        limit(order_type="Stop Limit", stop_price=D("50")),
        errors.PriceBelowMinimumError,
        "Stop price 50 is below the minimum 100 for BTC-USD",
    ),
    # side, type, time in force
    (
        limit(side="HOLD"),
        errors.OrderSideInvalidError,
        "Mandatory parameter side should be one of BUY,SELL",
    ),
    (
        limit(order_type="Stop"),
        errors.OrderTypeNotAllowedError,
        "Order type Stop is not allowed for BTC-USD (allowed: Limit, Market, Stop Limit)",
    ),
    (
        limit(time_in_force="DAY"),
        errors.TimeInForceNotAllowedError,
        "Time in force DAY is not allowed for BTC-USD (allowed: GTC, IOC, FOK, GTD)",
    ),
    (
        market(amount=D("0.01"), time_in_force="GTC"),
        errors.TimeInForceNotAllowedError,
        "Market orders accept only IOC or FOK, not GTC",
    ),
]


@pytest.mark.parametrize(("order", "error", "message"), REFUSED)
def test_each_rule_refuses_with_a_message_naming_the_limit(pair, order, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as caught:
        order_check(pair=pair, **order)
    assert type(caught.value) is error
    assert caught.value.message == message
    assert caught.value.details["rule"] == error.rule
    assert caught.value.details["pair"] == "BTC-USD"


def test_refusals_carry_the_protocol_rule_names() -> None:
    assert errors.AmountBelowMinimumError.rule == "minOrderAmountCcy1"
    assert errors.AmountAboveMaximumError.rule == "maxOrderAmountCcy1"
    assert errors.AmountLotSizeError.rule == "lotSizeCcy1"
    assert errors.PriceTickError.rule == "pricePrecision"
    assert errors.PriceBelowMinimumError.rule == "minPrice"
    assert errors.PriceAboveMaximumError.rule == "maxPrice"
    assert errors.ValueBelowMinimumError.rule == "minOrderAmountCcy2"
    assert errors.ValueAboveMaximumError.rule == "maxOrderAmountCcy2"


def test_limit_details_name_the_value_and_the_limit(pair) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(errors.AmountBelowMinimumError) as caught:
        order_check(pair=pair, **limit(amount=D("0.00001"), price=D("1000000")))
    assert caught.value.details == {
        "rule": "minOrderAmountCcy1",
        "pair": "BTC-USD",
        "value": "0.00001",
        "limit": "0.0001",
    }


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (PairStatus.HALTED, errors.PairHaltedError),
        (PairStatus.CANCEL_ONLY, errors.PairCancelOnlyError),
    ],
)
def test_halted_and_cancel_only_pairs_refuse_every_new_order(pair, status, error) -> None:  # type: ignore[no-untyped-def]
    pair.status = status
    with pytest.raises(error):
        order_check(pair=pair, **limit())
    with pytest.raises(error):
        order_check(pair=pair, **market(amount=D("0.01")))


def test_order_types_and_time_in_force_follow_the_pair(pair) -> None:  # type: ignore[no-untyped-def]
    pair.order_types = ["Limit"]
    pair.time_in_force = ["GTC", "IOC"]
    order_check(pair=pair, **limit(time_in_force="IOC"))
    with pytest.raises(errors.OrderTypeNotAllowedError):
        order_check(pair=pair, **market(amount=D("0.01")))
    with pytest.raises(errors.TimeInForceNotAllowedError):
        order_check(pair=pair, **limit(time_in_force="GTD"))


def test_a_coarse_tick_and_lot_are_multiples_not_decimals(pair) -> None:  # type: ignore[no-untyped-def]
    pair.tick_size, pair.lot_size = D("5"), D("0.5")
    order_check(pair=pair, **limit(price=D("50005"), amount=D("1.5")))
    with pytest.raises(errors.PriceTickError):
        order_check(pair=pair, **limit(price=D("50001"), amount=D("1.5")))
    with pytest.raises(errors.AmountLotSizeError):
        order_check(pair=pair, **limit(price=D("50005"), amount=D("1.2")))
