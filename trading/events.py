"""The trading event stream: what happened to orders, trades and books, published after commit.

This is the seam between the order services and whoever pushes market and order data (the WebSocket gateway,
`gateway/push.py`, subscribes through `common.events`). The matcher's writer (`trading.persistence`) emits them
inside its batch's transaction, in the order the core's events came.

* `OrderEvent`: one state change of one order (the protocol's `executionReport`): accepted, a fill, cancelled,
  expired, rejected. It carries a copy of the order as it was at that moment.
* `TradeEvent`: one public trade.
* `BookEvent`: the levels of a pair's book that changed, with the pair's sequence number. `book_changed`
  computes it under the pair's lock, once per batch,: it diffs the current book against the last published one
  (`trading.models.BookFeed`), stores the new one and bumps `seq` by one in the same transaction, so the
  numbers are gap-free and in commit order, and a subscriber that takes `book_snapshot` and then applies
  every event with a higher `seq` ends with the book `selectors.order_book` returns.
"""

import copy
import functools
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from common.events import emit
from common.models import save_row
from conditions.models import Pair
from trading.models import BookFeed, Order, Trade

if TYPE_CHECKING:
    from trading import selectors

Level = tuple[Decimal, Decimal]

NEW = "New"
TRADE = "Trade"
PENDING_CANCEL = "PendingCancel"
CANCELED = "Canceled"
REJECTED = "Rejected"


@dataclass(frozen=True, slots=True)
class OrderEvent:
    order: Order  # a copy, as it was when the event happened
    execution_type: str  # NEW, TRADE, PENDING_CANCEL, CANCELED, REJECTED
    trade: Trade | None = None  # TRADE: the fill
    reason: str = ""  # CANCELED: requested, cancel_all, expired, market, immediate_or_cancel, ...
    cancel_request_id: str | None = None  # the cancel request's id, when a client asked for it


@dataclass(frozen=True, slots=True)
class TradeEvent:
    trade: Trade
    pair: Pair


@dataclass(frozen=True, slots=True)
class BookEvent:
    pair: Pair
    seq: int
    bids: tuple[Level, ...]  # changed levels only, best first; amount 0 = the level is gone
    asks: tuple[Level, ...]


def order_changed(
    order: Order,
    execution_type: str,
    *,
    trade: Trade | None = None,
    reason: str = "",
    cancel_request_id: str | None = None,
) -> Order:
    """Publish (after commit) that `order` reached its current state. Returns the copy the event carries, which
    the caller may still correct before commit (the engine sets a taker's final status after its fills)."""
    snapshot = copy.copy(order)
    emit(OrderEvent(snapshot, execution_type, trade, reason, cancel_request_id))
    return snapshot


def trades_done(trades: list[Trade], pair: Pair) -> None:
    for trade in trades:
        emit(TradeEvent(trade, pair))


@functools.lru_cache(maxsize=16384)
def _key(value: Decimal) -> str:
    # Cached: every batch maps the book's levels again, and its prices and amounts recur.
    return format(value.normalize(), "f")


def _levels(rows: list[Level]) -> dict[str, str]:
    return {_key(price): _key(amount) for price, amount in rows}


def _book(pair: Pair, now: datetime) -> "selectors.OrderBook":
    # Imported here: the engine emits these events, and the selectors import the engine.
    from trading import selectors

    return selectors.order_book(pair=pair, at=now, depth=settings.TRADING_BOOK_FEED_DEPTH or None)


def _diff(old: dict[str, str], new: dict[str, str], *, descending: bool) -> tuple[Level, ...]:
    changed = [
        (Decimal(price), Decimal(new.get(price, "0")))
        for price in old.keys() | new.keys()
        if old.get(price) != new.get(price)
    ]
    return tuple(sorted(changed, key=lambda level: level[0], reverse=descending))


def book_changed(
    pair: Pair,
    *,
    levels: tuple[tuple[Level, ...], tuple[Level, ...]],
    feed: BookFeed | None = None,
) -> BookFeed | None:
    """Call under the pair's lock after the book may have changed, with its levels now (bids, asks; best first,
    `TRADING_BOOK_FEED_DEPTH` deep): store the new book, bump `seq` and publish the changed levels after commit.
    Does nothing when no level changed. `feed`: the pair's row as its one writer last left it (read when not
    given). Returns the row, as stored now (None: there is none yet and nothing changed)."""
    new_bids, new_asks = _levels(list(levels[0])), _levels(list(levels[1]))
    if feed is None:
        feed = BookFeed.objects.filter(pair_id=pair.pk).first()
    if feed is None:
        feed = BookFeed(pair_id=pair.pk)
    old_bids, old_asks = dict(feed.bids), dict(feed.asks)
    bids = _diff(old_bids, new_bids, descending=True)
    asks = _diff(old_asks, new_asks, descending=False)
    if not bids and not asks:
        return None if feed._state.adding else feed
    feed.seq += 1
    feed.bids = [[price, amount] for price, amount in _sorted(new_bids, descending=True)]
    feed.asks = [[price, amount] for price, amount in _sorted(new_asks, descending=False)]
    save_row(feed)
    emit(BookEvent(pair, feed.seq, bids, asks))
    return feed


def _sorted(levels: dict[str, str], *, descending: bool) -> list[tuple[str, str]]:
    return sorted(levels.items(), key=lambda level: Decimal(level[0]), reverse=descending)


@dataclass(frozen=True, slots=True)
class BookSnapshot:
    seq: int
    bids: list[Level]
    asks: list[Level]


def book_snapshot(pair: Pair, *, now: datetime) -> BookSnapshot:
    """The book as last published and its `seq`. The first time a pair is asked for, its feed row is created
    from the current book under the pair's lock (nothing is published: nothing changed)."""
    feed = BookFeed.objects.filter(pair_id=pair.pk).first()
    if feed is None:
        with transaction.atomic():
            locked = Pair.objects.select_for_update().get(pk=pair.pk)
            feed = BookFeed.objects.filter(pair_id=pair.pk).first()
            if feed is None:
                book = _book(locked, now)
                feed = BookFeed.objects.create(
                    pair_id=pair.pk,
                    seq=1,
                    bids=[list(level) for level in _levels(book.bids).items()],
                    asks=[list(level) for level in _levels(book.asks).items()],
                )
    return BookSnapshot(
        seq=feed.seq,
        bids=[(Decimal(price), Decimal(amount)) for price, amount in feed.bids],
        asks=[(Decimal(price), Decimal(amount)) for price, amount in feed.asks],
    )
