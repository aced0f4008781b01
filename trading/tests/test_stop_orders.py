"""Stop Limit orders wait off the book, holding their funds, until the last trade price reaches the stop."""

from decimal import Decimal as D

import pytest

from activities.actor import Actor
from trading.models import OrderStatus
from trading.services import order_cancel
from trading.tests.helpers import balance, place, reload

pytestmark = pytest.mark.django_db


def stop(user, side, amount, price, stop_price):  # type: ignore[no-untyped-def]
    return place(user, side, amount, price, order_type="Stop Limit", stop_price=D(stop_price)).order


def test_a_stop_order_waits_off_the_book_with_its_funds_held(alice) -> None:  # type: ignore[no-untyped-def]
    order = stop(alice, "BUY", "0.1", "51000", "50500")
    assert order.status == OrderStatus.NEW
    assert not order.is_triggered
    assert not order.is_resting
    assert balance(alice, "USD")[1] == D("5100") + D("10.20")


def test_a_buy_stop_triggers_when_the_last_price_reaches_it_and_then_matches(alice, bob) -> None:  # type: ignore[no-untyped-def]
    trigger = stop(alice, "BUY", "0.1", "51000", "50500")
    place(bob, "SELL", "0.1", "50400")
    place(bob, "SELL", "0.3", "50500")
    # A trade at 50400 is below the stop: nothing happens.
    place(alice, "BUY", "0.1", "50400")
    assert not reload(trigger).is_triggered
    # A trade at 50500 reaches it: the stop becomes a limit buy at 51000 and takes the rest of the 50500 ask.
    place(alice, "BUY", "0.1", "50500")
    order = reload(trigger)
    assert order.is_triggered
    assert order.status == OrderStatus.FILLED
    assert order.executed_quote == D("5050")
    assert order.fee_amount == D("10.10")
    assert balance(alice, "USD")[1] == 0


def test_a_sell_stop_triggers_when_the_price_falls_to_it(alice, bob) -> None:  # type: ignore[no-untyped-def]
    trigger = stop(alice, "SELL", "0.1", "48000", "49000")
    place(bob, "BUY", "0.5", "49000")
    place(alice, "SELL", "0.1", "49000", account="sub1")  # trades at 49000 (alice vs bob)
    order = reload(trigger)
    assert order.is_triggered
    assert order.status == OrderStatus.FILLED
    assert order.executed_amount == D("0.1")


def test_a_stop_already_reached_at_placement_acts_at_once(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(bob, "SELL", "0.2", "50000")
    place(alice, "BUY", "0.1", "50000")
    order = stop(alice, "BUY", "0.1", "50000", "49000")
    assert order.is_triggered
    assert order.status == OrderStatus.FILLED


def test_cancelling_a_waiting_stop_releases_its_hold(alice) -> None:  # type: ignore[no-untyped-def]
    order = stop(alice, "SELL", "0.1", "48000", "49000")
    assert balance(alice, "BTC")[1] == D("0.1")
    order_cancel(user=alice, order_id=order.pk, actor=Actor.system())
    assert reload(order).status == OrderStatus.CANCELLED
    assert balance(alice, "BTC") == (D("10"), D("0"))
