"""The book of one pair in memory: open orders, price levels, price-time priority.

Each side keeps its levels in a dict by price and a sorted list of "keys", best first: the price for asks,
minus the price for bids, so both sides read the same way (best = smallest key; an order with limit L crosses a
level when the level's key is <= L's key). A level keeps its orders in a dict by id, whose insertion order IS
time priority: an order joins the end when it rests, a partial fill leaves it where it is.
"""

from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from trading.core.rules import (
    BUY,
    MARKET,
    SELL,
    ZERO,
    OrderType,
    PairSpec,
    Side,
    Status,
    TimeInForce,
    fee_for,
    quote_cost,
)


@dataclass(slots=True, eq=False)
class Order:
    """One open order's state (the core's copy of the `trading.models.Order` row it becomes).

    `remaining` is the base amount left to fill (zero for a market buy by quote amount, which counts its budget
    in `quote_amount` instead). `hold_remaining` of `hold_currency` is what it still has reserved.
    """

    order_id: int
    user_id: int
    account_id: int
    side: Side
    order_type: OrderType
    time_in_force: TimeInForce
    price: Decimal | None
    stop_price: Decimal | None
    amount: Decimal | None
    quote_amount: Decimal | None
    maker_rate: Decimal
    taker_rate: Decimal
    expire_at: datetime | None
    remaining: Decimal
    executed_amount: Decimal = ZERO
    executed_quote: Decimal = ZERO
    fee_amount: Decimal = ZERO
    hold_currency: str | None = None
    hold_initial: Decimal = ZERO
    hold_remaining: Decimal = ZERO
    status: Status = Status.NEW
    is_triggered: bool = True
    level: "Level | None" = None  # the level it rests in (None: not on the book)

    def hold_for(self, spec: PairSpec, plan_cost: Decimal) -> tuple[str, Decimal]:
        """The currency and amount this new order reserves, fee included (rules in `trading.core.rules`).
        `plan_cost` is what a market buy by base amount will pay, as its plan found."""
        is_market = self.order_type is MARKET
        maker, taker = self.maker_rate, self.taker_rate
        rate = taker if is_market or taker >= maker else maker
        if self.side is BUY:
            if not is_market:
                assert self.price is not None
                assert self.amount is not None
                spend = quote_cost(self.amount, self.price, spec.quote_places)
            elif self.amount is None:
                assert self.quote_amount is not None
                spend = self.quote_amount
            else:
                spend = plan_cost
            fee = fee_for(spend, rate, spec.fee_places) if spec.fee_in_quote else ZERO
            return spec.quote, spend + fee
        assert self.amount is not None
        fee = ZERO if spec.fee_in_quote else fee_for(self.amount, rate, spec.fee_places)
        return spec.base, self.amount + fee

    def reserve_after(self, cost_left: Decimal, quote_places: int) -> Decimal:
        """What this order must keep reserved for what it has not filled yet, fee excluded. `cost_left`: what
        a market buy's plan has still to pay; `quote_places`: the quote currency's precision."""
        if self.side is SELL:
            return self.remaining
        if self.order_type is MARKET:
            return cost_left
        assert self.price is not None
        return quote_cost(self.remaining, self.price, quote_places)


class Level:
    """The orders resting at one price on one side, in time priority, and their total remaining amount.
    `touched` marks a level a command changed, for its one `LevelChanged` event."""

    __slots__ = ("key", "orders", "price", "side", "size", "touched")

    def __init__(self, side: Side, price: Decimal, key: Decimal) -> None:
        self.side = side
        self.price = price
        self.key = key
        self.orders: dict[int, Order] = {}
        self.size = ZERO
        self.touched = False


class BookSide:
    """One side of the book: levels by key (see the module docstring), best first."""

    __slots__ = ("_bids", "keys", "levels", "side")

    def __init__(self, side: Side) -> None:
        self.side = side
        self._bids = side is BUY
        self.levels: dict[Decimal, Level] = {}
        self.keys: list[Decimal] = []

    def key(self, price: Decimal) -> Decimal:
        return -price if self._bids else price

    def add(self, order: Order) -> Level:
        """Rest `order` at the back of its price's level."""
        price = order.price
        assert price is not None
        key = -price if self._bids else price
        level = self.levels.get(key)
        if level is None:
            level = self.levels[key] = Level(self.side, price, key)
            insort(self.keys, key)
        level.orders[order.order_id] = order
        level.size += order.remaining
        order.level = level
        return level

    def remove(self, order: Order) -> Level:
        """Take `order` off the book (its level goes when it empties)."""
        level = order.level
        assert level is not None
        del level.orders[order.order_id]
        level.size -= order.remaining
        order.level = None
        if not level.orders:
            del self.levels[level.key]
            del self.keys[bisect_left(self.keys, level.key)]
        return level

    def best(self) -> Decimal | None:
        return self.levels[self.keys[0]].price if self.keys else None

    def depth(self, limit: int | None = None) -> tuple[tuple[Decimal, Decimal], ...]:
        """(price, total remaining) per level, best first; at most `limit` levels."""
        keys = self.keys if limit is None else self.keys[:limit]
        return tuple((self.levels[key].price, self.levels[key].size) for key in keys)

    def __iter__(self) -> Iterator[Order]:
        """Every resting order, in priority order."""
        for key in self.keys:
            yield from self.levels[key].orders.values()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The book for market data: levels (price, total remaining) best first, the last trade price, and the
    sequence number of the last event it includes."""

    seq: int
    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]
    last_price: Decimal | None
