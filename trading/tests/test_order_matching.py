"""Price-time priority, partial fills, market sweeps, maker prices; the book never crosses."""

from decimal import Decimal as D

import pytest

from accounts.services import user_create
from trading.models import Order, OrderStatus, PairState, Trade
from trading.tests.helpers import balance, currency_sum, fund, place, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(btc_usd, flat_fees):  # type: ignore[no-untyped-def]
    carol = user_create(email="carol@example.com", password="x" * 12, verification_level="verified")
    fund(carol, USD="100000", BTC="10")
    return carol


def test_a_limit_order_that_does_not_cross_rests_on_the_book(alice) -> None:  # type: ignore[no-untyped-def]
    result = place(alice, "BUY", "0.5", "40000")
    order = result.order
    assert order.status == OrderStatus.NEW
    assert order.is_resting
    assert order.reject_reason == ""
    assert result.trades == ()
    # Held: 0.5 x 40000 plus the fee at the higher rate (0.2 %).
    assert balance(alice, "USD") == (D("100000"), D("20040"))
    assert PairState.objects.get(pair=order.pair).best_bid == D("40000")


def test_better_price_matches_first_then_earlier_order_at_the_same_price(alice, bob, carol) -> None:  # type: ignore[no-untyped-def]
    first_at_50k = place(alice, "SELL", "0.1", "50000").order
    second_at_50k = place(carol, "SELL", "0.1", "50000").order
    better = place(carol, "SELL", "0.1", "49900").order
    result = place(bob, "BUY", "0.25", "50000")
    makers = [trade.maker_order_id for trade in result.trades]
    assert makers == [better.pk, first_at_50k.pk, second_at_50k.pk]
    assert [trade.amount for trade in result.trades] == [D("0.1"), D("0.1"), D("0.05")]
    # Each fill is at the maker's price.
    assert [trade.price for trade in result.trades] == [D("49900"), D("50000"), D("50000")]
    assert reload(first_at_50k).status == OrderStatus.FILLED
    assert reload(second_at_50k).status == OrderStatus.PARTIALLY_FILLED
    assert reload(second_at_50k).remaining == D("0.05")
    assert result.order.status == OrderStatus.FILLED


def test_a_partly_filled_limit_order_rests_with_the_remainder(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.3", "50000")
    order = place(bob, "BUY", "1", "50000").order
    assert order.status == OrderStatus.PARTIALLY_FILLED
    assert order.executed_amount == D("0.3")
    assert order.remaining == D("0.7")
    assert order.is_resting
    state = PairState.objects.get(pair=order.pair)
    assert state.best_bid == D("50000")
    assert state.best_ask is None
    assert state.last_price == D("50000")


def test_the_buyer_pays_the_makers_lower_price_and_the_unused_hold_is_released(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "1", "40000")
    order = place(bob, "BUY", "1", "50000").order
    assert order.status == OrderStatus.FILLED
    assert order.executed_quote == D("40000")
    # Paid 40000 + 0.2 % taker fee (80); nothing left on hold.
    assert balance(bob, "USD") == (D("100000") - D("40080"), D("0"))
    assert balance(bob, "BTC") == (D("11"), D("0"))


def test_a_market_buy_sweeps_several_levels(alice, bob, carol) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.1", "50000")
    place(carol, "SELL", "0.2", "50100")
    place(carol, "SELL", "0.5", "50200")
    result = place(bob, "BUY", "0.4", None)
    order = result.order
    assert order.status == OrderStatus.FILLED
    assert [t.price for t in result.trades] == [D("50000"), D("50100"), D("50200")]
    assert [t.amount for t in result.trades] == [D("0.1"), D("0.2"), D("0.1")]
    cost = D("5000") + D("10020") + D("5020")
    assert order.executed_quote == cost
    assert balance(bob, "USD") == (D("100000") - cost - cost * D("0.002"), D("0"))


def test_a_market_buy_larger_than_the_book_fills_what_there_is_and_cancels_the_rest(
    alice, bob
) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.1", "50000")
    order = place(bob, "BUY", "1", None).order
    assert order.status == OrderStatus.CANCELLED
    assert order.executed_amount == D("0.1")
    assert balance(bob, "USD")[1] == 0


def test_a_market_buy_by_quote_amount_spends_at_most_that_amount(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "1", "50000")
    result = place(bob, "BUY", None, quote_amount=D("1000"))
    order = result.order
    assert order.status == OrderStatus.FILLED
    assert order.executed_amount == D("0.02")
    assert order.executed_quote == D("1000")
    assert balance(bob, "USD") == (D("100000") - D("1002"), D("0"))


def test_a_market_sell_sweeps_the_bids(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "BUY", "0.1", "50000")
    place(alice, "BUY", "0.1", "49000")
    result = place(bob, "SELL", "0.15", None)
    assert [t.price for t in result.trades] == [D("50000"), D("49000")]
    assert result.order.status == OrderStatus.FILLED
    assert balance(bob, "BTC") == (D("9.85"), D("0"))


def test_a_market_order_on_an_empty_book_is_cancelled_with_nothing_filled(alice) -> None:  # type: ignore[no-untyped-def]
    order = place(alice, "BUY", "0.1", None).order
    assert order.status == OrderStatus.CANCELLED
    assert order.executed_amount == 0
    assert balance(alice, "USD") == (D("100000"), D("0"))


def test_executed_amounts_equal_the_sum_of_trades_and_money_is_conserved(alice, bob, carol) -> None:  # type: ignore[no-untyped-def]
    for price in ("50000", "50100", "50200"):
        place(alice, "SELL", "0.13", price)
        place(carol, "BUY", "0.07", str(D(price) - 500))
    place(bob, "BUY", "0.3", "50150")
    place(bob, "SELL", "0.1", None)
    for order in Order.objects.all():
        trades = Trade.objects.filter(maker_order=order) | Trade.objects.filter(taker_order=order)
        assert order.executed_amount == sum((t.amount for t in trades), D(0))
        assert order.executed_quote == sum((t.quote_amount for t in trades), D(0))
    for currency in ("USD", "BTC"):
        assert currency_sum(currency) == 0
    state = PairState.objects.get()
    assert state.best_bid < state.best_ask
