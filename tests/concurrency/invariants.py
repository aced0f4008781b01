"""The invariants every trading test under concurrency or crashes checks at its end, never timings."""

from collections import defaultdict
from decimal import Decimal

from ledger.models import Balance, JournalEntry
from trading.models import OPEN_STATUSES, Order, PairState, Side, Trade


def check_trading_invariants() -> None:
    """No balance below zero; money conserved per currency (the fees account included); what is on hold is
    exactly what open orders can still spend; each order's executed amounts are the sum of its trades; the book
    is not crossed and the recorded top of book is the real one."""
    # Every journal transaction sums to zero per currency.
    legs: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for entry in JournalEntry.objects.all():
        legs[(entry.transaction_id, entry.currency_id)] += entry.amount
    assert all(total == 0 for total in legs.values())
    # No balance below zero; money conserved per currency, the fees account included.
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for row in Balance.objects.all():
        assert row.on_hold >= 0
        if not row.allow_negative:
            assert row.total >= 0
            assert row.on_hold <= row.total
        sums[row.currency_id] += row.total
    assert all(total == 0 for total in sums.values()), sums

    # What is on hold is exactly what the open orders hold.
    held: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for order in Order.objects.filter(status__in=OPEN_STATUSES):
        held[(order.account_id, order.hold_currency_id)] += order.hold_remaining
    for row in Balance.objects.filter(account__kind="spot"):
        assert row.on_hold == held.get((row.account_id, row.currency_id), Decimal(0)), row
    assert not Order.objects.exclude(status__in=OPEN_STATUSES).exclude(hold_remaining=0).exists()

    # Each order's executed amounts are the sum of its trades.
    for order in Order.objects.all():
        trades = Trade.objects.filter(maker_order=order) | Trade.objects.filter(taker_order=order)
        assert order.executed_amount == sum((t.amount for t in trades), Decimal(0))
        assert order.executed_quote == sum((t.quote_amount for t in trades), Decimal(0))

    # The book is not crossed, and the recorded top of book is the real one.
    for state in PairState.objects.all():
        resting = Order.objects.filter(pair_id=state.pair_id, is_resting=True)
        bids = [o.price for o in resting if o.side == Side.BUY]
        asks = [o.price for o in resting if o.side == Side.SELL]
        assert state.best_bid == (max(bids) if bids else None)
        assert state.best_ask == (min(asks) if asks else None)
        if bids and asks:
            assert max(bids) < min(asks)
