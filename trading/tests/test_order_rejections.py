"""Refused orders are REJECTED with the protocol's code and reason, recorded, and change no balance."""

from decimal import Decimal as D

import pytest

from activities.models import Activity, ActivityType, Outcome
from conditions.errors import PairNotFoundError, TimeInForceNotAllowedError
from conditions.models import PairStatus
from ledger.errors import AccountNotFoundError
from trading.errors import MainAccountOrderError
from trading.models import Order, OrderStatus
from trading.tests.helpers import balance, place

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "price", "rule"),
    [
        ("0.00001", "50000", "minOrderAmountCcy1"),
        ("101", "50000", "maxOrderAmountCcy1"),
        ("0.000015", "50000", "lotSizeCcy1"),
        ("0.1", "50000.05", "pricePrecision"),
        ("0.1", "50", "minPrice"),
        ("0.0001", "1000", "minOrderAmountCcy2"),
    ],
)
def test_trading_rule_failures_are_rejected_with_check_failed(alice, amount, price, rule) -> None:  # type: ignore[no-untyped-def]
    order = place(alice, "BUY", amount, price).order
    assert order.status == OrderStatus.REJECTED
    assert order.reject_code == 400
    assert order.reject_reason.startswith(f"{rule} check failed")
    assert balance(alice, "USD") == (D("100000"), D("0"))
    row = Activity.objects.get(user=alice, action=ActivityType.ORDER_REJECTED)
    assert row.outcome == Outcome.REFUSED
    assert row.details["reject_code"] == 400


def test_insufficient_funds_is_rejected_with_code_403(alice) -> None:  # type: ignore[no-untyped-def]
    order = place(alice, "BUY", "2", "50000").order  # needs 100000 + fee
    assert order.status == OrderStatus.REJECTED
    assert (order.reject_code, order.reject_reason) == (403, "Insufficient funds")
    assert balance(alice, "USD") == (D("100000"), D("0"))
    sell = place(alice, "SELL", "11", "50000").order
    assert sell.reject_reason == "Insufficient funds"


def test_a_market_order_with_both_amounts_is_rejected_with_code_405(alice) -> None:  # type: ignore[no-untyped-def]
    order = place(alice, "BUY", "0.1", None, quote_amount=D("100")).order
    assert order.reject_code == 405
    assert order.reject_reason.startswith("Either AmountCcy1 (OrderQty) or AmountCcy2")


def test_a_market_order_with_a_stop_price_is_rejected(alice) -> None:  # type: ignore[no-untyped-def]
    order = place(alice, "BUY", "0.1", None, stop_price=D("50000")).order
    assert order.reject_reason == "Market Trigger orders are not allowed"


def test_a_halted_pair_rejects_new_orders(alice, btc_usd) -> None:  # type: ignore[no-untyped-def]
    btc_usd.status = PairStatus.HALTED
    btc_usd.save()
    order = place(alice, "BUY", "0.1", "50000").order
    assert order.reject_reason.startswith("tradingStatus check failed")


def test_too_many_open_orders_is_rejected_with_code_437(alice, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRADING_MAX_OPEN_ORDERS = 2
    place(alice, "BUY", "0.1", "40000")
    place(alice, "BUY", "0.1", "40001")
    order = place(alice, "BUY", "0.1", "40002").order
    assert (order.reject_code, order.reject_reason) == (437, "Too many active orders")
    # Orders that cannot rest are not counted against the limit.
    assert (
        place(alice, "BUY", "0.1", "40002", time_in_force="IOC").order.status
        == OrderStatus.CANCELLED
    )


def test_requests_that_name_no_valid_order_raise_and_write_nothing(alice) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MainAccountOrderError):
        place(alice, "BUY", "0.1", "50000", account="")
    with pytest.raises(AccountNotFoundError):
        place(alice, "BUY", "0.1", "50000", account="nope")
    with pytest.raises(PairNotFoundError):
        place(alice, "BUY", "0.1", "50000", pair="DOGE-USD")
    assert not Order.objects.exists()


def test_an_unknown_time_in_force_is_refused_and_nothing_is_stored(alice) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TimeInForceNotAllowedError):
        place(alice, "BUY", "0.1", "40000", time_in_force="GTCX")
    assert not Order.objects.exists()
    assert not Activity.objects.filter(action__startswith="order.").exists()
