"""Fills enter the ledger in each currency's precision: a fill's quote amount is cut to the quote currency's
decimals (the buyer pays and the seller receives that same amount), fees round up to the fee currency's, a buy
reserves its value rounded up, and a dust remainder worth less than one unit fills for 0 instead of stalling."""

from decimal import ROUND_UP
from decimal import Decimal as D

import pytest

from accounts.services import user_create
from common.money import places_of
from conditions.models import Pair
from ledger.models import Balance, JournalEntry, JournalTransaction, TransactionType
from trading.models import OPEN_STATUSES, Order, OrderStatus, PairState, Trade
from trading.tests.helpers import balance, currency_sum, fees_collected, fund, place, reload

pytestmark = pytest.mark.django_db

PRICE = "97123.45"  # BTC-USD at a cent's tick: 0.00123 BTC is worth 119.4618435 USD


@pytest.fixture(autouse=True)
def cent_tick(btc_usd: Pair) -> None:
    Pair.objects.filter(pk=btc_usd.pk).update(tick_size=D("0.01"))


def too_precise() -> list[tuple[str, object]]:
    """Every stored amount with more decimals than its currency has: balances, journal entries, trades,
    orders' executed values, fees and holds."""
    found: list[tuple[str, object]] = []
    for row in Balance.objects.select_related("currency"):
        for value in (row.total, row.on_hold):
            if places_of(value) > row.currency.precision:
                found.append(("balance", (row.account_id, row.currency_id, value)))
    for entry in JournalEntry.objects.select_related("currency"):
        for value in (entry.amount, entry.balance_after):
            if places_of(value) > entry.currency.precision:
                found.append(("entry", (entry.pk, entry.currency_id, value)))
    for trade in Trade.objects.select_related("pair__quote", "fee_currency"):
        if places_of(trade.quote_amount) > trade.pair.quote.precision:
            found.append(("trade", trade.quote_amount))
        if (
            max(places_of(trade.maker_fee), places_of(trade.taker_fee))
            > trade.fee_currency.precision
        ):
            found.append(("fee", (trade.maker_fee, trade.taker_fee)))
    for order in Order.objects.select_related("pair__quote", "hold_currency"):
        if places_of(order.executed_quote) > order.pair.quote.precision:
            found.append(("executed_quote", order.executed_quote))
        if order.hold_currency and places_of(order.hold_initial) > order.hold_currency.precision:
            found.append(("hold", order.hold_initial))
    return found


def holds_match_open_orders() -> None:
    """Every balance's on-hold amount is what its open orders still hold, and each of those holds covers what
    the order can still spend (its remaining amount at its price, rounded up to the quote's precision)."""
    held: dict[tuple[int, str], D] = {}
    for order in Order.objects.filter(status__in=OPEN_STATUSES).select_related("pair__quote"):
        key = (order.account_id, order.hold_currency_id)
        held[key] = held.get(key, D(0)) + order.hold_remaining
        if order.side == "BUY":
            need = (order.remaining * order.price).quantize(
                D(1).scaleb(-order.pair.quote.precision), ROUND_UP
            )
        else:
            need = order.remaining
        assert order.hold_remaining >= need, order.pk
    on_hold = {
        (row.account_id, row.currency_id): row.on_hold
        for row in Balance.objects.filter(on_hold__gt=0)
    }
    assert on_hold == held


def test_a_fill_worth_more_decimals_than_the_quote_has_is_cut_to_its_precision(alice, bob) -> None:  # type: ignore[no-untyped-def]
    place(alice, "SELL", "0.00123", PRICE)
    trade = place(bob, "BUY", "0.00123", PRICE).trades[0]
    assert (trade.quote_amount, trade.maker_fee, trade.taker_fee) == (
        D("119.46"),  # 119.4618435 cut: the buyer pays what the seller receives
        D("0.12"),  # 0.1 % of 119.46 = 0.11946, rounded up toward the exchange
        D("0.24"),  # 0.2 %: 0.23892
    )
    assert balance(alice, "USD") == (D("100000") + D("119.46") - D("0.12"), D("0"))
    assert balance(bob, "USD") == (D("100000") - D("119.46") - D("0.24"), D("0"))
    assert fees_collected("USD") == D("0.36")
    legs = JournalEntry.objects.filter(
        transaction__type=TransactionType.TRADE, currency_id="USD"
    ).values_list("amount", flat=True)
    assert sorted(legs) == [D("-119.46"), D("119.46")]
    assert too_precise() == []
    assert currency_sum("USD") == currency_sum("BTC") == 0


def test_a_resting_buy_filled_in_pieces_pays_within_its_hold_and_holds_stay_exact(
    alice, bob
) -> None:  # type: ignore[no-untyped-def]
    buy = place(bob, "BUY", "0.00457", PRICE).order  # worth 443.85416665: holds 443.86 + 0.89 fee
    assert buy.hold_initial == D("443.86") + D("0.89")
    values = []
    for amount in ("0.00123", "0.00101"):  # 119.4618435 and 98.09468445 USD
        values.append(place(alice, "SELL", amount, PRICE).trades[0].quote_amount)
        holds_match_open_orders()
    assert values == [D("119.46"), D("98.09")]
    buy = reload(buy)
    assert (buy.executed_quote, buy.fee_amount) == (D("217.55"), D("0.12") + D("0.10"))
    assert buy.hold_remaining == D("444.75") - D("217.55") - D("0.22")  # covers 226.30 still to pay
    place(alice, "SELL", "0.00233", PRICE)  # the rest: 226.2976385
    buy = reload(buy)
    assert (buy.status, buy.executed_quote, buy.fee_amount, buy.hold_remaining) == (
        OrderStatus.FILLED,
        D("443.84"),  # 217.55 + 226.29: never above the 443.86 it reserved
        D("0.45"),
        D("0"),
    )
    assert balance(bob, "USD") == (D("100000") - D("443.84") - D("0.45"), D("0"))
    assert too_precise() == []
    holds_match_open_orders()
    assert currency_sum("USD") == currency_sum("BTC") == 0


def test_a_dust_remainder_fills_for_nothing_and_the_book_goes_on(alice, bob) -> None:  # type: ignore[no-untyped-def]
    Pair.objects.update(lot_size=D("0.00000001"))
    dust = place(alice, "SELL", "0.001", PRICE).order
    place(bob, "BUY", "0.00099995", PRICE)  # leaves 5 satoshi, worth 0.0048561725 USD: under a cent
    assert reload(dust).remaining == D("0.00000005")
    later = place(alice, "SELL", "0.01", "97123.50").order
    result = place(bob, "BUY", "0.002", "97123.50")
    trades = [(t.maker_order_id, t.amount, t.quote_amount, t.maker_fee) for t in result.trades]
    assert trades == [
        (dust.pk, D("0.00000005"), D("0"), D("0")),
        (later.pk, D("0.00199995"), D("194.24"), D("0.20")),  # 194.24214...: cut
    ]
    assert result.order.status == OrderStatus.FILLED
    assert reload(dust).status == OrderStatus.FILLED
    # The dust fill moved the base only: its journal transaction has no quote legs.
    dust_fill = JournalTransaction.objects.get(
        type=TransactionType.TRADE,
        details__maker_order=dust.pk,
        details__taker_order=result.order.pk,
    )
    assert sorted(dust_fill.entries.values_list("currency_id", "amount")) == [
        ("BTC", D("-0.00000005")),
        ("BTC", D("0.00000005")),
    ]
    state = PairState.objects.get()
    assert (state.best_bid, state.best_ask) == (None, D("97123.50"))  # nothing stuck, not crossed
    assert too_precise() == []
    holds_match_open_orders()
    assert currency_sum("USD") == currency_sum("BTC") == 0


def test_a_market_buy_by_quote_amount_stops_when_its_budget_buys_nothing_worth_a_cent(
    alice, bob
) -> None:  # type: ignore[no-untyped-def]
    carol = user_create(email="carol@example.com", password="x" * 12, verification_level="verified")
    fund(carol, BTC="1")
    first = place(alice, "SELL", "0.5", "500.10").order
    place(carol, "SELL", "0.5", "500.10")
    result = place(bob, "BUY", None, quote_amount=D("10.00"))
    # 1999 lots are worth 9.996999, cut to 9.99; the cent left buys one lot, worth 0.005001: nothing.
    assert [(t.maker_order_id, t.amount, t.quote_amount) for t in result.trades] == [
        (first.pk, D("0.01999"), D("9.99"))
    ]
    assert result.order.status == OrderStatus.FILLED
    assert too_precise() == []
    holds_match_open_orders()
