"""The pure core's matching rules, one test per rule: the same figures the service tests assert today."""

from dataclasses import replace
from datetime import timedelta

import pytest

from trading.core import (
    CommandRefused,
    HoldReleased,
    LevelChanged,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderRested,
    OrderType,
    Reason,
    Status,
    StopTriggered,
    TimeInForce,
    Trade,
)
from trading.tests.core_kit import BTC_USD, ETH_BTC, T0, D, Harness, Wallet, currency_sums, of

ALICE, BOB, CAROL, DAVE = 1, 2, 3, 4


def fills(harness: Harness) -> list[tuple[int, int, str, str]]:
    """(maker, taker, price, amount) of every trade so far."""
    return [
        (t.maker_order_id, t.taker_order_id, str(t.price), str(t.amount))
        for result in harness.results
        for t in of(result, Trade)
    ]


def last_state(harness: Harness, order_id: int) -> OrderFilled:
    return [e for r in harness.results for e in of(r, OrderFilled) if e.order_id == order_id][-1]


def test_a_limit_order_that_does_not_cross_rests_on_the_book_with_its_hold() -> None:
    h = Harness()
    order_id, result = h.place(ALICE, "BUY", "0.1", "50000")
    accepted = of(result, OrderAccepted)[0]
    # 0.1 x 50000 plus the fee at the higher of its rates (0.2 % of 5000).
    assert (accepted.hold_currency, accepted.hold, accepted.triggered) == ("USD", D("5010"), True)
    assert of(result, OrderRested)[0].remaining == D("0.1")
    assert of(result, LevelChanged) == [LevelChanged(3, "BUY", D("50000"), D("0.1"))]
    assert h.engine.snapshot().bids == ((D("50000"), D("0.1")),)
    assert h.engine.order(order_id) is not None


def test_better_price_matches_first_then_earlier_order_at_the_same_price() -> None:
    h = Harness()
    late_worse, _ = h.place(CAROL, "SELL", "0.1", "50100")
    first, _ = h.place(ALICE, "SELL", "0.1", "50000")
    second, _ = h.place(BOB, "SELL", "0.1", "50000")
    taker, result = h.place(DAVE, "BUY", "0.25", "50100")
    assert fills(h) == [
        (first, taker, "50000", "0.1"),
        (second, taker, "50000", "0.1"),
        (late_worse, taker, "50100", "0.05"),
    ]
    assert [(e.side, e.price, e.size) for e in of(result, LevelChanged)] == [
        ("SELL", D("50000"), D("0")),
        ("SELL", D("50100"), D("0.05")),
    ]


def test_a_partly_filled_order_keeps_its_place_and_a_partly_filled_taker_rests() -> None:
    h = Harness()
    maker, _ = h.place(ALICE, "SELL", "0.3", "50000")
    h.place(BOB, "BUY", "0.1", "50000")
    assert last_state(h, maker).status == Status.PARTIALLY_FILLED
    assert last_state(h, maker).remaining == D("0.2")
    taker, result = h.place(BOB, "BUY", "0.5", "50000")
    assert last_state(h, taker).status == Status.PARTIALLY_FILLED
    assert of(result, OrderRested)[0].remaining == D("0.3")
    assert h.book() == [(taker, "BUY", D("50000"), D("0.3"))]


def test_the_buyer_pays_the_makers_lower_price_and_the_unused_hold_is_released() -> None:
    h = Harness()
    h.place(ALICE, "SELL", "0.1", "49000")
    taker, result = h.place(BOB, "BUY", "0.1", "50000")
    trade = of(result, Trade)[0]
    assert (trade.price, trade.quote_amount, trade.taker_fee) == (D("49000"), D("4900"), D("9.80"))
    assert trade.taker_fee_from_hold == D("9.80")
    released = [e for e in of(result, HoldReleased) if e.order_id == taker]
    assert released[0].amount == D("5010") - D("4900") - D("9.80")
    assert last_state(h, taker).hold_remaining == 0


def test_a_market_buy_sweeps_several_levels_and_cancels_what_the_book_cannot_fill() -> None:
    h = Harness()
    h.place(ALICE, "SELL", "0.1", "50000")
    h.place(CAROL, "SELL", "0.2", "50100")
    taker, result = h.place(BOB, "BUY", "0.5")
    assert [str(t.amount) for t in of(result, Trade)] == ["0.1", "0.2"]
    state = last_state(h, taker)
    assert (state.executed_amount, state.executed_quote) == (D("0.3"), D("15020"))
    assert of(result, OrderCancelled)[-1].reason == Reason.MARKET
    assert h.book() == []


def test_a_market_buy_by_quote_amount_spends_whole_lots_within_it_and_is_filled() -> None:
    h = Harness()
    h.place(ALICE, "SELL", "1", "50000")
    taker, result = h.place(BOB, "BUY", quote_amount="1234.56")
    trade = of(result, Trade)[0]
    # 1234.56 / 50000 = 0.0246912: whole lots of 0.00001 make 0.02469, worth 1234.50.
    assert (trade.amount, trade.quote_amount, trade.taker_fee) == (
        D("0.02469"),
        D("1234.50"),
        D("2.47"),
    )
    state = last_state(h, taker)
    assert state.status == Status.FILLED
    assert state.remaining == 0
    hold = of(result, OrderAccepted)[0].hold
    assert hold == D("1234.56") + D("2.47")
    assert [e.amount for e in of(result, HoldReleased) if e.order_id == taker] == [
        hold - D("1234.50") - D("2.47")
    ]


def test_a_market_buy_by_quote_amount_stops_when_its_budget_buys_nothing_worth_a_cent() -> None:
    h = Harness()
    first, _ = h.place(ALICE, "SELL", "1", "500.1")
    h.place(CAROL, "SELL", "1", "500.1")
    taker, result = h.place(BOB, "BUY", quote_amount="10.00")
    # 1999 lots are worth 9.996999, cut to 9.99; the cent left buys one lot, worth 0.005001: nothing.
    trades = [(t.maker_order_id, t.amount, t.quote_amount) for t in of(result, Trade)]
    assert trades == [(first, D("0.01999"), D("9.99"))]
    assert last_state(h, taker).status == Status.FILLED


def test_a_market_sell_sweeps_the_bids_best_first() -> None:
    h = Harness()
    low, _ = h.place(ALICE, "BUY", "0.1", "49000")
    high, _ = h.place(ALICE, "BUY", "0.1", "50000")
    taker, _ = h.place(BOB, "SELL", "0.15")
    assert fills(h) == [(high, taker, "50000", "0.1"), (low, taker, "49000", "0.05")]
    assert last_state(h, taker).status == Status.FILLED


def test_a_market_order_on_an_empty_book_is_cancelled_with_its_hold_given_back() -> None:
    h = Harness()
    order_id, result = h.place(ALICE, "SELL", "0.1")
    assert [type(e) for e in result.events] == [OrderAccepted, HoldReleased, OrderCancelled]
    assert of(result, HoldReleased)[0].amount == D("0.1")
    assert of(result, OrderCancelled)[0].reason == Reason.MARKET
    _, buy = h.place(ALICE, "BUY", "0.1")
    assert (
        of(buy, OrderAccepted)[0].hold == 0
    )  # a market buy by amount reserves what its plan costs


def test_ioc_fills_what_it_can_and_cancels_the_rest() -> None:
    h = Harness()
    h.place(ALICE, "SELL", "0.1", "50000")
    taker, result = h.place(BOB, "BUY", "0.5", "50000", tif=TimeInForce.IOC)
    assert last_state(h, taker).executed_amount == D("0.1")
    assert of(result, OrderCancelled)[0].reason == Reason.IMMEDIATE
    released = of(result, HoldReleased)[0].amount
    assert released == D("25050") - D("5000") - D("10")  # the hold less what the fill took
    assert h.book() == []


def test_fok_that_cannot_fill_completely_does_nothing() -> None:
    h = Harness()
    maker, _ = h.place(ALICE, "SELL", "0.1", "50000")
    _, result = h.place(BOB, "BUY", "0.2", "50000", tif=TimeInForce.FOK)
    assert [type(e) for e in result.events] == [OrderAccepted, OrderCancelled]
    assert of(result, OrderAccepted)[0].hold_currency is None
    assert of(result, OrderCancelled)[0].reason == Reason.FILL_OR_KILL
    assert h.book() == [(maker, "SELL", D("50000"), D("0.1"))]


def test_fok_that_can_fill_completely_fills() -> None:
    h = Harness()
    h.place(ALICE, "SELL", "0.1", "50000")
    h.place(ALICE, "SELL", "0.1", "50100")
    taker, _ = h.place(BOB, "BUY", "0.2", "50100", tif=TimeInForce.FOK)
    assert last_state(h, taker).status == Status.FILLED


def test_gtd_expires_at_its_expire_time_and_releases_its_hold() -> None:
    h = Harness()
    order_id, _ = h.place(
        ALICE, "BUY", "0.1", "40000", tif=TimeInForce.GTD, expire_at=T0 + timedelta(minutes=5)
    )
    assert h.expire(T0 + timedelta(minutes=4)).events == ()
    result = h.expire(T0 + timedelta(minutes=5))
    assert [type(e) for e in result.events] == [HoldReleased, OrderExpired, LevelChanged]
    assert of(result, HoldReleased)[0].amount == D("4008")
    assert h.engine.order(order_id) is None
    assert h.expire(T0 + timedelta(minutes=6)).events == ()


def test_an_expired_gtd_order_met_while_matching_expires_instead_of_trading() -> None:
    h = Harness()
    stale, _ = h.place(
        ALICE, "SELL", "0.1", "50000", tif=TimeInForce.GTD, expire_at=T0 + timedelta(seconds=10)
    )
    taker, result = h.place(BOB, "BUY", "0.1", "50000", at=T0 + timedelta(seconds=11))
    assert of(result, Trade) == []
    assert [e.order_id for e in of(result, OrderExpired)] == [stale]
    assert h.book() == [(taker, "BUY", D("50000"), D("0.1"))]


@pytest.mark.parametrize(
    ("expire_at", "reason"),
    [
        (None, "expireTime check failed: GTD orders need expireTime"),
        (T0, "expireTime check failed: expireTime is in the past"),
    ],
)
def test_gtd_without_a_future_expire_time_is_rejected(expire_at, reason) -> None:  # type: ignore[no-untyped-def]
    h = Harness()
    _, result = h.place(ALICE, "SELL", "0.1", "60000", tif=TimeInForce.GTD, expire_at=expire_at)
    assert [(e.code, e.reason) for e in of(result, OrderRejected)] == [(400, reason)]
    assert h.book() == []


def stop(h: Harness, user: int, side: str, amount: str, price: str, stop_price: str, **kwargs):  # type: ignore[no-untyped-def]
    return h.place(user, side, amount, price, kind=OrderType.STOP_LIMIT, stop=stop_price, **kwargs)


def test_a_stop_order_waits_off_the_book_with_its_funds_held() -> None:
    h = Harness()
    order_id, result = stop(h, ALICE, "BUY", "0.1", "51000", "50500")
    accepted = of(result, OrderAccepted)[0]
    assert (accepted.hold, accepted.triggered) == (D("5100") + D("10.20"), False)
    assert h.book() == []
    assert h.engine.order(order_id) is not None


def test_a_buy_stop_triggers_when_a_trade_reaches_its_price_and_then_matches() -> None:
    h = Harness()
    trigger, _ = stop(h, ALICE, "BUY", "0.1", "51000", "50500")
    h.place(BOB, "SELL", "0.1", "50400")
    h.place(BOB, "SELL", "0.3", "50500")
    below = h.place(ALICE, "BUY", "0.1", "50400")[1]
    assert of(below, StopTriggered) == []
    reached = h.place(ALICE, "BUY", "0.1", "50500")[1]
    assert [e.order_id for e in of(reached, StopTriggered)] == [trigger]
    state = last_state(h, trigger)
    assert (state.status, state.executed_quote, state.fee_amount) == (
        Status.FILLED,
        D("5050"),
        D("10.10"),
    )
    assert state.hold_remaining == 0


def test_a_sell_stop_triggers_when_the_price_falls_to_it() -> None:
    h = Harness()
    trigger, _ = stop(h, ALICE, "SELL", "0.1", "48000", "49000")
    h.place(BOB, "BUY", "0.5", "49000")
    h.place(CAROL, "SELL", "0.1", "49000")
    assert last_state(h, trigger).status == Status.FILLED


def test_a_stop_already_reached_at_placement_acts_at_once() -> None:
    h = Harness()
    h.place(BOB, "SELL", "0.2", "50000")
    h.place(ALICE, "BUY", "0.1", "50000")
    order_id, result = stop(h, ALICE, "BUY", "0.1", "50000", "49000")
    assert of(result, OrderAccepted)[0].triggered
    assert last_state(h, order_id).status == Status.FILLED


def test_cancelling_a_waiting_stop_releases_its_hold() -> None:
    h = Harness()
    order_id, _ = stop(h, ALICE, "SELL", "0.1", "48000", "49000")
    result = h.cancel(ALICE, order_id)
    assert [(type(e), getattr(e, "amount", None)) for e in result.events] == [
        (HoldReleased, D("0.1")),
        (OrderCancelled, None),
    ]


def test_a_stop_cascade_stops_at_its_cap_and_a_trigger_command_goes_on() -> None:
    h = Harness(replace(BTC_USD, stop_cascade=1))
    first, _ = stop(h, ALICE, "BUY", "0.1", "40000", "50000")
    second, _ = stop(h, ALICE, "BUY", "0.1", "40000", "50000")
    h.place(BOB, "SELL", "0.1", "50000")
    _, result = h.place(CAROL, "BUY", "0.1", "50000")
    assert [e.order_id for e in of(result, StopTriggered)] == [first]
    assert result.stops_pending
    more = h.trigger()
    assert [e.order_id for e in of(more, StopTriggered)] == [second]
    assert not more.stops_pending


def test_a_fok_stop_the_book_cannot_fill_is_cancelled_when_triggered() -> None:
    h = Harness()
    order_id, _ = stop(h, ALICE, "BUY", "1", "50000", "50000", tif=TimeInForce.FOK)
    h.place(BOB, "SELL", "0.2", "50000")
    _, result = h.place(CAROL, "BUY", "0.1", "50000")
    assert [e.reason for e in of(result, OrderCancelled) if e.order_id == order_id] == [
        Reason.FILL_OR_KILL
    ]
    assert [t.taker_order_id for t in of(result, Trade)] != [order_id]
    assert h.engine.order(order_id) is None


def test_a_gtd_stop_past_its_time_expires_instead_of_triggering() -> None:
    h = Harness()
    order_id, _ = stop(
        h,
        ALICE,
        "BUY",
        "0.1",
        "50000",
        "50000",
        tif=TimeInForce.GTD,
        expire_at=T0 + timedelta(seconds=1),
    )
    h.place(BOB, "SELL", "0.2", "50000")
    _, result = h.place(CAROL, "BUY", "0.1", "50000", at=T0 + timedelta(seconds=2))
    assert [e.order_id for e in of(result, OrderExpired)] == [order_id]
    assert of(result, StopTriggered) == []


def test_an_order_meeting_its_own_users_resting_order_cancels_that_order_not_trades() -> None:
    h = Harness()
    resting, _ = h.place(ALICE, "SELL", "0.1", "50000", account=11)
    taker, result = h.place(ALICE, "BUY", "0.1", "50000", account=12)
    assert of(result, Trade) == []
    assert [(e.order_id, e.reason) for e in of(result, OrderCancelled)] == [
        (resting, Reason.SELF_TRADE)
    ]
    assert [e.order_id for e in of(result, HoldReleased)] == [resting]
    assert h.book() == [(taker, "BUY", D("50000"), D("0.1"))]


def test_maker_and_taker_pay_their_own_rates_in_the_quote_currency() -> None:
    h = Harness()
    h.place(ALICE, "SELL", "0.5", "50000")
    _, result = h.place(BOB, "BUY", "0.5", "50000", taker="0.6")
    trade = of(result, Trade)[0]
    assert (trade.maker_fee, trade.taker_fee) == (D("25"), D("150"))


def test_quote_values_are_cut_and_fees_rounded_up_to_the_currencys_precision() -> None:
    h = Harness()
    h.place(ALICE, "SELL", "0.0003", "50000.1")
    trade = of(h.place(BOB, "BUY", "0.0003", "50000.1")[1], Trade)[0]
    assert trade.quote_amount == D("15.00")  # 15.00003 cut to cents: the 0.00003 is nobody's
    assert (trade.maker_fee, trade.taker_fee) == (D("0.02"), D("0.03"))  # 0.015 up, 0.03


def test_a_buyer_filled_in_pieces_never_pays_more_than_it_reserved() -> None:
    wallet = Wallet(BTC_USD)
    wallet.fund(
        ALICE, "USD", "228.97"
    )  # exactly the hold: 228.501371 rounded up, + 0.2 % rounded up
    wallet.fund(BOB, "BTC", "1")
    funded = currency_sums(wallet)
    h = Harness(funds=wallet)
    buyer, placed = h.place(ALICE, "BUY", "0.00457", "50000.3")
    wallet.apply(placed)
    assert of(placed, OrderAccepted)[0].hold == D("228.51") + D("0.46")
    values = []
    for amount in ("0.00123", "0.00101", "0.00233"):  # 61.500369, 50.500303, 116.500699 USD
        _, result = h.place(BOB, "SELL", amount, "50000.3")
        wallet.apply(result)  # never below zero, never more taken from a hold than it holds
        values.append(of(result, Trade)[0].quote_amount)
        state = last_state(h, buyer)
        reserve = (state.remaining * D("50000.3")).quantize(D("0.01"), rounding="ROUND_UP")
        assert state.hold_remaining >= reserve
    assert values == [D("61.50"), D("50.50"), D("116.50")]
    assert last_state(h, buyer).status == Status.FILLED
    # Maker fees at 0.1 %, each rounded up: 0.07 + 0.06 + 0.12.
    assert wallet.total[(ALICE, "USD")] == D("228.97") - D("228.50") - D("0.25")
    assert wallet.held[(ALICE, "USD")] == 0
    assert currency_sums(wallet) == funded  # nothing made, nothing lost: the fees went to FEES


def test_a_dust_remainder_fills_for_nothing_instead_of_blocking_the_book() -> None:
    h = Harness()
    dust, _ = h.place(ALICE, "SELL", "1", "500")
    h.place(BOB, "BUY", "0.99999", "500")  # leaves 0.00001 BTC, worth 0.005 USD: less than a cent
    h.place(ALICE, "SELL", "1", "501")
    buyer, result = h.place(CAROL, "BUY", "0.1", "501")
    trades = of(result, Trade)
    assert [(t.maker_order_id, t.amount, t.quote_amount) for t in trades] == [
        (dust, D("0.00001"), D("0")),
        (dust + 2, D("0.09999"), D("50.09")),  # 50.09499 cut
    ]
    assert (trades[0].maker_fee, trades[0].taker_fee) == (D("0"), D("0"))
    assert last_state(h, dust).status == Status.FILLED
    assert last_state(h, buyer).status == Status.FILLED
    assert [order_id for order_id, *_ in h.book()] == [dust + 2]  # not crossed


def test_fees_in_the_base_currency_are_charged_in_base_and_the_seller_pays_from_its_hold() -> None:
    h = Harness(ETH_BTC)
    _, maker = h.place(ALICE, "BUY", "10", "0.05")
    assert (of(maker, OrderAccepted)[0].hold_currency, of(maker, OrderAccepted)[0].hold) == (
        "BTC",
        D("0.5"),
    )
    _, result = h.place(BOB, "SELL", "10", "0.05")
    assert of(result, OrderAccepted)[0].hold == D("10.02")
    trade = of(result, Trade)[0]
    assert (trade.maker_fee, trade.taker_fee, trade.maker_fee_from_hold) == (
        D("0.01"),
        D("0.02"),
        D("0"),
    )
    assert trade.taker_fee_from_hold == D("0.02")


def test_a_fee_beyond_the_reserve_comes_from_available_funds_and_is_forgiven_without_them() -> None:
    wallet = Wallet(BTC_USD)
    wallet.fund(ALICE, "USD", "3.02")
    for taker in (BOB, CAROL, DAVE):
        wallet.fund(taker, "BTC", "1")
    h = Harness(funds=wallet)
    maker, placed = h.place(ALICE, "BUY", "0.00003", "100000")
    wallet.apply(placed)
    assert of(placed, OrderAccepted)[0].hold == D("3.01")  # 3.00 + 0.2 % rounded up to a cent
    charged = []
    for taker in (BOB, CAROL, DAVE):
        _, result = h.place(taker, "SELL", "0.00001", "100000")
        wallet.apply(result)
        trade = of(result, Trade)[0]
        charged.append((trade.maker_fee, trade.maker_fee_from_hold))
    # 0.1 % of 1.00 is 0.001, a cent each time: the reserve covers one, the available cent another.
    assert charged == [(D("0.01"), D("0.01")), (D("0.01"), D("0")), (D("0"), D("0"))]
    assert wallet.total[(ALICE, "USD")] == 0
    assert last_state(h, maker).status == Status.FILLED


def test_too_many_open_orders_on_the_pair_are_rejected_per_account() -> None:
    h = Harness(replace(BTC_USD, max_open_orders=2))
    h.place(ALICE, "BUY", "0.1", "40000")
    stop(h, ALICE, "SELL", "0.1", "30000", "31000")
    _, third = h.place(ALICE, "BUY", "0.1", "40000")
    assert [(e.code, e.reason) for e in of(third, OrderRejected)] == [
        (437, "Too many active orders")
    ]
    _, other_account = h.place(ALICE, "BUY", "0.1", "40000", account=99)
    _, ioc = h.place(ALICE, "BUY", "0.1", "40000", tif=TimeInForce.IOC)
    assert of(other_account, OrderRejected) == of(ioc, OrderRejected) == []


def test_an_order_the_funds_do_not_cover_is_rejected_and_changes_nothing() -> None:
    wallet = Wallet(BTC_USD)
    wallet.fund(ALICE, "USD", "5009.99")
    h = Harness(funds=wallet)
    _, result = h.place(ALICE, "BUY", "0.1", "50000")
    assert [type(e) for e in result.events] == [OrderRejected]
    assert (of(result, OrderRejected)[0].code, of(result, OrderRejected)[0].reason) == (
        403,
        "Insufficient funds",
    )
    assert wallet.held[(ALICE, "USD")] == 0
    assert h.book() == []


@pytest.mark.parametrize(
    ("kwargs", "code", "reason"),
    [
        (
            {"amount": "0.1", "kind": OrderType.MARKET, "stop": "100"},
            400,
            "Market Trigger orders are not allowed",
        ),
        ({"amount": "0.1", "quote_amount": "10"}, 405, "Either AmountCcy1"),
        ({"amount": None, "quote_amount": "10", "side": "SELL"}, 400, "amountCcy2 check failed"),
        ({"amount": "0.1", "kind": OrderType.LIMIT}, 400, "price check failed"),
        ({"amount": "0", "price": "100"}, 400, "amount check failed"),
        ({"amount": "0.1", "price": "100", "kind": OrderType.STOP_LIMIT}, 400, "stopPrice"),
        ({"amount": "0.1", "tif": TimeInForce.GTC}, 400, "timeInForce check failed"),
    ],
)
def test_a_malformed_order_is_rejected_before_it_touches_the_book(kwargs, code, reason) -> None:  # type: ignore[no-untyped-def]
    h = Harness()
    side = kwargs.pop("side", "BUY")
    _, result = h.place(ALICE, side, **kwargs)
    rejected = of(result, OrderRejected)
    assert [e.code for e in rejected] == [code]
    assert rejected[0].reason.startswith(reason)
    assert len(result.events) == 1


def test_a_cancel_releases_exactly_what_the_order_still_holds() -> None:
    h = Harness()
    maker, _ = h.place(ALICE, "BUY", "0.3", "50000")
    h.place(BOB, "SELL", "0.1", "50000")
    result = h.cancel(ALICE, maker)
    assert [type(e) for e in result.events] == [HoldReleased, OrderCancelled, LevelChanged]
    # 15030 held; the fill took 5000 and its 5.00 maker fee from the hold.
    assert of(result, HoldReleased)[0].amount == D("15030") - D("5000") - D("5")
    assert of(result, LevelChanged)[0].size == 0


def test_a_cancel_of_an_order_that_is_not_open_or_not_the_users_is_refused() -> None:
    h = Harness()
    order_id, _ = h.place(ALICE, "BUY", "0.1", "50000")
    for user, target in ((BOB, order_id), (ALICE, 999)):
        result = h.cancel(user, target)
        assert [type(e) for e in result.events] == [CommandRefused]
    assert h.book() == [(order_id, "BUY", D("50000"), D("0.1"))]


def test_cancel_all_takes_the_users_open_orders_on_the_named_accounts_in_id_order() -> None:
    h = Harness()
    a, _ = h.place(ALICE, "BUY", "0.1", "40000", account=11)
    b, _ = stop(h, ALICE, "SELL", "0.1", "30000", "31000", account=11)
    kept, _ = h.place(ALICE, "BUY", "0.1", "40000", account=12)
    other, _ = h.place(BOB, "BUY", "0.1", "40000")
    result = h.cancel_all(ALICE, {11})
    assert [e.order_id for e in of(result, OrderCancelled)] == [a, b]
    assert {e.reason for e in of(result, OrderCancelled)} == {Reason.CANCEL_ALL}
    assert [row[0] for row in h.book()] == [kept, other]


def test_an_order_id_already_on_the_book_is_refused() -> None:
    h = Harness()
    order_id, _ = h.place(ALICE, "BUY", "0.1", "40000")
    h.next_id -= 1
    _, result = h.place(BOB, "SELL", "0.1", "60000")
    assert [(type(e), e.order_id) for e in result.events] == [(CommandRefused, order_id)]


def test_amounts_of_thirty_digits_are_computed_exactly() -> None:
    # 31 significant digits of value: Python's default 28-digit context would round it.
    amount, price = "99999999999.123456789012", "9999999.123456789012"
    h = Harness(replace(BTC_USD, quote_places=12, fee_places=12))
    h.place(ALICE, "SELL", amount, price, maker="0", taker="0")
    trade = of(h.place(BOB, "BUY", amount, price, maker="0", taker="0")[1], Trade)[0]
    exact = 99999999999123456789012 * 9999999123456789012 // 10**12  # cut to 12 decimals
    assert str(trade.quote_amount) == f"{exact // 10**12}.{exact % 10**12:012d}"
