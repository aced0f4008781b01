"""Market data from the book: candles of the best bid/ask as orders come and go."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from activities.actor import Actor
from trading.models import Candle, PairState, Resolution
from trading.selectors import candles
from trading.services import order_cancel
from trading.tests.helpers import place

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC)


def test_top_of_book_changes_fold_into_candles(alice, bob, btc_usd) -> None:  # type: ignore[no-untyped-def]
    place(alice, "BUY", "0.1", "49000", now=T0)
    place(alice, "BUY", "0.1", "49500", now=T0 + timedelta(seconds=10))
    low = place(alice, "BUY", "0.1", "49700", now=T0 + timedelta(seconds=20)).order
    order_cancel(user=alice, order_id=low.pk, now=T0 + timedelta(seconds=30), actor=Actor.system())
    # The next minute: a trade, and the bid moves up.
    place(bob, "SELL", "0.05", "49500", now=T0 + timedelta(minutes=1))
    place(alice, "BUY", "0.1", "49800", now=T0 + timedelta(minutes=1, seconds=5))
    minute = Candle.objects.get(
        pair=btc_usd, resolution=Resolution.MINUTE, start=T0.replace(second=0)
    )
    assert minute.bid_open == D("49000")  # no bid before: it opens at the first one
    assert (minute.bid_high, minute.bid_low, minute.bid_close) == (
        D("49700"),
        D("49000"),
        D("49500"),
    )
    rows = candles(
        pair=btc_usd,
        resolution="1m",
        data_type="bestBid",
        at=T0 + timedelta(minutes=3),
        end=T0 + timedelta(minutes=3),
        limit=4,
    )
    assert [row.start for row in rows] == [
        T0.replace(second=0) + timedelta(minutes=n) for n in range(4)
    ]
    first, second, third, _ = rows
    assert (first.open, first.high, first.low, first.close) == (
        D("49000"),
        D("49700"),
        D("49000"),
        D("49500"),
    )
    assert (second.open, second.high, second.close) == (D("49500"), D("49800"), D("49800"))
    assert second.volume == D("0.05")
    # A quiet minute repeats the value in force.
    assert (third.open, third.high, third.low, third.close, third.volume) == (
        D("49800"),
        D("49800"),
        D("49800"),
        D("49800"),
        D(0),
    )
    hourly = candles(
        pair=btc_usd, resolution="1h", data_type="bestBid", at=T0 + timedelta(minutes=3), limit=1
    )
    assert (hourly[0].open, hourly[0].high, hourly[0].close, hourly[0].volume) == (
        D("49000"),
        D("49800"),
        D("49800"),
        D("0.05"),
    )


def test_a_sweep_that_leaves_a_maker_partly_filled_puts_the_top_at_its_price(  # type: ignore[no-untyped-def]
    alice, bob, btc_usd
) -> None:
    place(bob, "SELL", "0.1", "50000", now=T0)
    place(bob, "SELL", "0.2", "50100", now=T0)
    place(bob, "SELL", "0.1", "50200", now=T0)
    # Fills the 50000 ask, then part of the 50100 one: the top is the maker it stopped in.
    place(alice, "BUY", "0.2", "50100", now=T0 + timedelta(seconds=1))
    state = PairState.objects.get(pair=btc_usd)
    assert (state.best_ask, state.last_price) == (D("50100"), D("50100"))
    # Fills the rest of it exactly: the next level is looked up.
    place(alice, "BUY", "0.1", "50100", now=T0 + timedelta(seconds=2))
    state.refresh_from_db()
    assert state.best_ask == D("50200")
    minute = Candle.objects.get(
        pair=btc_usd, resolution=Resolution.MINUTE, start=T0.replace(second=0)
    )
    assert (minute.ask_open, minute.ask_high, minute.ask_low, minute.ask_close) == (
        D("50000"),
        D("50200"),
        D("50000"),
        D("50200"),
    )
    assert (minute.trade_open, minute.trade_high, minute.trade_low, minute.trade_close) == (
        D("50000"),
        D("50100"),
        D("50000"),
        D("50100"),
    )
    assert (minute.volume, minute.quote_volume) == (D("0.3"), D("15020"))
