"""One pair's matching engine: `PairEngine.apply(command) -> Result`, nothing else changes its book.

Place, in this order (the first that applies decides):
1. Refused (`CommandRefused`) when the book already holds an order with that id.
2. Rejected (`OrderRejected`, code 400/405) when the order is malformed: the door's checks (`_problem`) that the
   book's consistency relies on, and a GTD time not after the command's `at`.
3. Rejected (437) when it would rest (limit or stop limit, GTC or GTD) and its account already has
   `max_open_orders` open orders on the pair.
4. A stop limit whose stop price the last trade has not reached waits off the book. Anything else is planned
   against the book: the opposite side best price first, then earliest; a limit stops at its price, a market
   order sweeps. A base amount fills up to `amount`; a market buy by quote amount spends up to `quote_amount`
   in whole lots, and stops when what is left of it buys nothing worth one unit of the quote. Resting orders
   of the same USER met on the way are cancelled (self-trade prevention: the resting order goes, the incoming
   one goes on) and expired GTD orders are expired, instead of trading.
5. A FOK order the book cannot fill completely is accepted and cancelled at once (`fill_or_kill`), reserving
   and changing nothing else.
6. Funds: `funds.reserve` must grant the order's reservation (`Order.hold_for`), else it is rejected (403,
   "Insufficient funds"). Then `OrderAccepted`.
7. The plan executes: each fill is a `Trade` at the maker's price with both fees (module `rules`), then the
   maker's `OrderFilled` (FILLED makers leave the book, their leftover hold released). The order ends FILLED
   (a market buy by quote amount when its budget or the lots it can afford ran out before the book did),
   CANCELLED with its rest when it is a market, IOC or FOK order, or rests on the book (NEW or
   PARTIALLY_FILLED) with time priority from now. Final orders release what they still hold.
8. When the command traded, waiting stop orders the last price reaches trigger, earliest placed first, each
   acting as a limit order then (a FOK stop the book cannot fill is cancelled; a GTD stop past its time
   expires instead), until none is reached or `stop_cascade` have triggered (`Result.stops_pending`).

Cancel / CancelAll / ExpireDue take open orders (resting or waiting) off in order id order, releasing their
holds; a cancel of an order that is not open, or not the user's, is refused. After every command, one
`LevelChanged` per book level it touched.

Funds: the core never sees balances. It asks `funds.reserve(account, currency, amount)` once per new order,
before any other event of its command, and `funds.take(account, currency, amount)` when a fill's fee exceeds
what the paying side has reserved beyond what it still needs (rounding on many partial fills: a few units of
the fee currency's last decimal), which is granted from available funds up to what is there and forgiven
beyond. An answer may be conservative but must never grant more than is available; a `take` grant counts as
spent until the `Trade` that carries it is applied. With the same book, command and answers, `apply` emits the
same events: replaying a command log rebuilds the same book.
"""

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, getcontext, setcontext
from typing import Protocol

from trading.core.book import BookSide, Level, Order, Snapshot
from trading.core.commands import Cancel, CancelAll, Command, ExpireDue, Place, TriggerStops
from trading.core.events import (
    CommandRefused,
    Event,
    HoldReleased,
    LevelChanged,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderRested,
    Reason,
    Result,
    StopTriggered,
    Trade,
)
from trading.core.rules import (
    BUY,
    CANCELLED,
    EXACT,
    EXPIRED,
    FILLED,
    FOK,
    GTC,
    GTD,
    IOC,
    MARKET,
    NEW,
    PARTIALLY_FILLED,
    STOP_LIMIT,
    ZERO,
    PairSpec,
    Side,
    Status,
    fee_for,
    quote_value,
    stop_reached,
)

REJECT_RULE = 400
REJECT_FUNDS = 403
REJECT_AMOUNTS = 405
REJECT_TOO_MANY = 437
INSUFFICIENT_FUNDS = "Insufficient funds"
TOO_MANY_ORDERS = "Too many active orders"
MARKET_TRIGGER = "Market Trigger orders are not allowed"
MARKET_AMOUNTS = (
    "Either AmountCcy1 (OrderQty) or AmountCcy2 (CashOrderQty) should be specified for market order "
    "not both"
)

_FILL, _SELF, _EXPIRED = 0, 1, 2
_R_MARKET, _R_IMMEDIATE = Reason.MARKET, Reason.IMMEDIATE
_REMOVALS = {
    _SELF: (CANCELLED, Reason.SELF_TRADE),
    _EXPIRED: (EXPIRED, Reason.EXPIRED),
}


class Funds(Protocol):
    """The account balances as the matcher sees them (see the module docstring)."""

    def reserve(self, account_id: int, currency: str, amount: Decimal) -> bool:
        """Hold `amount` (not available from now on) and answer True, or answer False and change nothing."""
        ...

    def take(self, account_id: int, currency: str, amount: Decimal) -> Decimal:
        """Grant up to `amount` of available funds for a fee (0 when there are none); the grant counts as
        spent until the `Trade` carrying it is settled."""
        ...


class UnlimitedFunds:
    """Funds that grant everything: for tests, benchmarks, and replays whose funds were checked already."""

    def reserve(self, account_id: int, currency: str, amount: Decimal) -> bool:
        return True

    def take(self, account_id: int, currency: str, amount: Decimal) -> Decimal:
        return amount


@dataclass(slots=True)
class _Plan:
    """What a taker would do against the book: (kind, maker, amount, value) steps in book order."""

    steps: list[tuple[int, Order, Decimal, Decimal]]
    cost: Decimal  # quote, of the fills
    exhausted: bool  # the book (within the limit) ran out before the order was satisfied
    fills: bool


_WAITING = _Plan([], ZERO, False, False)  # shared: a plan's steps are never changed
_NOTHING = _Plan([], ZERO, True, False)


class PairEngine:
    """The book and the rules of one pair. Not thread-safe: one writer, by design."""

    def __init__(
        self,
        spec: PairSpec,
        *,
        funds: Funds | None = None,
        seq: int = 0,
        last_price: Decimal | None = None,
    ) -> None:
        """A fresh engine whose next event is number `seq + 1`; `last_price` is the pair's last trade price
        (stop triggers read it)."""
        self.spec = spec
        self.funds: Funds = funds if funds is not None else UnlimitedFunds()
        self.seq = seq
        self.last_price = last_price
        self.bids = BookSide(Side.BUY)
        self.asks = BookSide(Side.SELL)
        self._orders: dict[int, Order] = {}  # every open order: resting or waiting stop
        self._stops: dict[int, Order] = {}  # waiting stops, earliest placed first
        self._open: dict[int, int] = {}  # open orders per account
        self._expiry: list[tuple[datetime, int]] = []  # (expire_at, order id), lazily pruned
        self._events: list[Event] = []
        self._touched: list[Level] = []  # levels the command changed, in the order it first did
        self._traded = False
        self._context = EXACT.copy()  # the engine's own: the flags it collects touch nobody else's

    # --- reading ------------------------------------------------------------------------------------

    def order(self, order_id: int) -> Order | None:
        """The open order `order_id` (resting or waiting), or None. The engine's own object: do not change it."""
        return self._orders.get(order_id)

    def open_orders(self) -> Iterator[Order]:
        """Every open order: resting (bids then asks, in priority order), then waiting stops."""
        yield from self.bids
        yield from self.asks
        yield from self._stops.values()

    def snapshot(self, depth: int | None = None) -> Snapshot:
        return Snapshot(self.seq, self.bids.depth(depth), self.asks.depth(depth), self.last_price)

    # --- loading ------------------------------------------------------------------------------------

    def load(self, orders: Iterable[Order]) -> None:
        """Put open orders back into a fresh engine (rebuild after a restart): resting orders (is_triggered,
        with a price and something remaining) in time priority, waiting stops (not is_triggered) in placement
        order. Emits nothing. The engine owns the objects from here on. Raises ValueError on an order that
        cannot be open."""
        saved = getcontext()
        setcontext(self._context)
        try:
            for order in orders:
                if order.order_id in self._orders or order.status not in (NEW, PARTIALLY_FILLED):
                    raise ValueError(f"order {order.order_id} cannot be loaded as open")
                if not order.is_triggered:
                    if order.stop_price is None:
                        raise ValueError(f"order {order.order_id} waits without a stop price")
                    self._stops[order.order_id] = order
                else:
                    if order.price is None or order.remaining <= 0:
                        raise ValueError(f"order {order.order_id} cannot rest")
                    self._side(order.side).add(order)
                self._enter(order)
        finally:
            setcontext(saved)

    # --- applying -----------------------------------------------------------------------------------

    def apply(self, command: Command) -> Result:
        """Carry out one command; its events in order (see the module docstring)."""
        self._events = []
        self._touched = []
        self._traded = False
        # Every Decimal operation of the command runs exact (`rules.EXACT`); the caller's context comes back.
        saved = getcontext()
        setcontext(self._context)
        try:
            if isinstance(command, Place):  # the usual command, spared a call
                self._place(command)
                pending = bool(self._traded and self._stops) and self._cascade(command.at)
            else:
                pending = self._dispatch(command)
            for level in self._touched:
                level.touched = False
                self._events.append(LevelChanged(self._next(), level.side, level.price, level.size))
        finally:
            setcontext(saved)
        return Result(command.command_id, command.at, tuple(self._events), pending)

    def _dispatch(self, command: Command) -> bool:
        """Carry out any command but `Place`; True when reached stops still wait (`Result.stops_pending`)."""
        if isinstance(command, Cancel):
            order = self._orders.get(command.order_id)
            if order is None or order.user_id != command.user_id:
                self._refuse(command.command_id, command.order_id, "order is not open")
            else:
                self._close(order, CANCELLED, Reason.REQUESTED)
        elif isinstance(command, CancelAll):
            accounts = command.account_ids
            for order_id in sorted(
                order.order_id
                for order in self._orders.values()
                if order.user_id == command.user_id
                and (accounts is None or order.account_id in accounts)
            ):
                self._close(self._orders[order_id], CANCELLED, Reason.CANCEL_ALL)
        elif isinstance(command, ExpireDue):
            self._expire_due(command.at)
        elif isinstance(command, TriggerStops):
            return self._cascade(command.at)
        else:
            raise TypeError(f"not a command: {command!r}")
        return False

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def _side(self, side: Side) -> BookSide:
        return self.bids if side is BUY else self.asks

    def _refuse(self, command_id: str, order_id: int | None, reason: str) -> None:
        self._events.append(CommandRefused(self._next(), command_id, order_id, reason))

    def _reject(self, order_id: int, code: int, reason: str) -> None:
        self._events.append(OrderRejected(self._next(), order_id, code, reason))

    # --- placing ------------------------------------------------------------------------------------

    def _place(self, cmd: Place) -> None:
        order_id, account_id, kind, tif = (
            cmd.order_id,
            cmd.account_id,
            cmd.order_type,
            cmd.time_in_force,
        )
        if order_id in self._orders:
            self._refuse(cmd.command_id, order_id, "order id is already on the book")
            return
        problem = _problem(cmd)
        if problem is not None:
            self._reject(order_id, *problem)
            return
        cap = self.spec.max_open_orders
        if cap is not None and (tif is GTC or tif is GTD) and self._open.get(account_id, 0) >= cap:
            self._reject(order_id, REJECT_TOO_MANY, TOO_MANY_ORDERS)
            return
        amount = cmd.amount
        order = Order(
            order_id,
            cmd.user_id,
            account_id,
            cmd.side,
            kind,
            tif,
            None if kind is MARKET else cmd.price,
            cmd.stop_price,
            amount,
            cmd.quote_amount,
            cmd.maker_rate,
            cmd.taker_rate,
            cmd.expire_at if tif is GTD else None,
            ZERO if amount is None else amount,
        )
        waiting = cmd.stop_price is not None and not stop_reached(
            cmd.side, cmd.stop_price, self.last_price
        )
        plan = _WAITING if waiting else self._plan(order, cmd.at)
        events = self._events
        if plan.exhausted and tif is FOK:
            events.append(OrderAccepted(self._next(), order_id, None, ZERO, True))
            order.status = CANCELLED
            events.append(OrderCancelled(self._next(), order_id, Reason.FILL_OR_KILL))
            return
        currency, hold = order.hold_for(self.spec, plan.cost)
        if hold > 0 and not self.funds.reserve(account_id, currency, hold):
            self._reject(order_id, REJECT_FUNDS, INSUFFICIENT_FUNDS)
            return
        order.hold_currency = currency
        order.hold_initial = order.hold_remaining = hold
        events.append(OrderAccepted(self._next(), order_id, currency, hold, not waiting))
        if waiting:
            order.is_triggered = False
            self._stops[order_id] = order
            self._enter(order)
            return
        self._pass(order, plan)

    def _plan(self, taker: Order, at: datetime) -> _Plan:
        """What `taker` would do against the book now (step 4 of the module docstring); changes nothing."""
        book = self.asks if taker.side is BUY else self.bids
        keys = book.keys
        limit = None if taker.price is None else book.key(taker.price)
        if not keys or (limit is not None and keys[0] > limit):
            return _NOTHING
        by_quote = taker.amount is None
        left = taker.quote_amount if by_quote else taker.remaining
        assert left is not None
        lot, places = self.spec.lot_size, self.spec.quote_places
        user = taker.user_id
        steps: list[tuple[int, Order, Decimal, Decimal]] = []
        cost = ZERO
        fills = False
        budget_bound = (
            False  # a market buy by quote amount's last fill was cut by its budget, not the maker
        )
        for key in keys:
            if limit is not None and key > limit:
                break
            level = book.levels[key]
            price = level.price
            for maker in level.orders.values():
                if maker.expire_at is not None and maker.expire_at <= at:
                    steps.append((_EXPIRED, maker, ZERO, ZERO))
                    continue
                if maker.user_id == user:
                    steps.append((_SELF, maker, ZERO, ZERO))
                    continue
                if by_quote:
                    amount = min(maker.remaining, left // (price * lot) * lot)
                    budget_bound = amount < maker.remaining
                else:
                    amount = min(maker.remaining, left)
                if amount <= 0:
                    # Not one more lot affordable: done, not exhausted.
                    return _Plan(steps, cost, False, fills)
                value = quote_value(amount, price, places)
                if value <= 0 and budget_bound:
                    # What is left of the budget buys nothing worth one unit of the quote: done. (A resting
                    # order's dust remainder fills for 0 instead: module `rules`.)
                    return _Plan(steps, cost, False, fills)
                steps.append((_FILL, maker, amount, value))
                fills = True
                cost += value
                left -= value if by_quote else amount
                if left == 0:
                    return _Plan(steps, cost, False, True)
        # A budget that ran out within the last maker's order leaves the order done even when that maker was
        # the last one on the book.
        return _Plan(steps, cost, not budget_bound, fills)

    def _pass(self, taker: Order, plan: _Plan) -> None:
        """Execute `plan` for the funded `taker`, then settle what is left of it (step 7 of the docstring)."""
        if plan.steps:
            self._execute(taker, plan)
        events, nxt = self._events, self._next
        is_new = taker.order_id not in self._orders
        # A market buy by quote amount is done when its budget (or the lots it affords) ran out first.
        by_quote = taker.amount is None
        if (plan.fills and not plan.exhausted) if by_quote else taker.remaining == 0:
            taker.status = FILLED
            self._release(taker)
            events.append(_filled(nxt(), taker))
        elif taker.order_type is MARKET or taker.time_in_force is IOC or taker.time_in_force is FOK:
            if plan.fills:
                taker.status = PARTIALLY_FILLED
                events.append(_filled(nxt(), taker))
            self._release(taker)
            taker.status = CANCELLED
            reason = _R_MARKET if taker.order_type is MARKET else _R_IMMEDIATE
            events.append(OrderCancelled(nxt(), taker.order_id, reason))
        else:
            if plan.fills:
                taker.status = PARTIALLY_FILLED
                events.append(_filled(nxt(), taker))
            self._on_book(taker)
            if is_new:
                self._enter(taker)
            assert taker.price is not None
            events.append(
                OrderRested(nxt(), taker.order_id, taker.side, taker.price, taker.remaining)
            )
            return
        if not is_new:
            self._leave(taker)

    def _execute(self, taker: Order, plan: _Plan) -> None:
        """The plan's steps: remove self-trade and expired makers, fill the others (trade, fees, holds)."""
        fee_in_quote, places = self.spec.fee_in_quote, self.spec.fee_places
        taker_buys = taker.side is BUY
        taker_pays = taker_buys == fee_in_quote  # pays out the fee currency: quote when buying
        events = self._events
        charge, nxt, touch = self._charge, self._next, self._touch
        cost_left = plan.cost
        for kind, maker, amount, value in plan.steps:
            if kind != _FILL:
                self._close(maker, *_REMOVALS[kind])
                continue
            cost_left -= value
            # Principal legs: the buyer pays `value` and the seller `amount` out of their holds.
            if taker_buys:
                # A market buy by quote amount counts its budget instead of a remaining amount.
                if taker.amount is not None:
                    taker.remaining -= amount
                taker.hold_remaining -= value
                maker.hold_remaining -= amount
            else:
                taker.remaining -= amount
                taker.hold_remaining -= amount
                maker.hold_remaining -= value
            maker.remaining -= amount
            taker.executed_amount += amount
            maker.executed_amount += amount
            taker.executed_quote += value
            maker.executed_quote += value
            # Fees: the side paying out the fee currency pays from its hold (`_charge`), the other side out of
            # what the fill gives it, which always covers it.
            base = value if fee_in_quote else amount
            taker_fee = fee_for(base, taker.taker_rate, places)
            maker_fee = fee_for(base, maker.maker_rate, places)
            if taker_pays:
                taker_fee, taker_from_hold = charge(taker, taker_fee, cost_left)
                maker_from_hold = ZERO
            else:
                maker_fee, maker_from_hold = charge(maker, maker_fee, cost_left)
                taker_from_hold = ZERO
            taker.fee_amount += taker_fee
            maker.fee_amount += maker_fee
            price = maker.price
            level = maker.level
            assert price is not None
            assert level is not None
            level.size -= amount
            touch(level)
            events.append(
                Trade(
                    nxt(),
                    maker.order_id,
                    taker.order_id,
                    maker.user_id,
                    taker.user_id,
                    maker.account_id,
                    taker.account_id,
                    taker.side,
                    price,
                    amount,
                    value,
                    maker_fee,
                    taker_fee,
                    maker_from_hold,
                    taker_from_hold,
                )
            )
            self.last_price = price
            self._traded = True
            if maker.remaining == 0:
                maker.status = FILLED
                self._off_book(maker)
                self._release(maker)
                self._leave(maker)
            else:
                maker.status = PARTIALLY_FILLED
            events.append(_filled(nxt(), maker))

    def _charge(self, order: Order, fee: Decimal, cost_left: Decimal) -> tuple[Decimal, Decimal]:
        """What `order`, which pays out the fee currency, is charged of `fee`, and how much of that comes from
        its hold: what it holds beyond what it still needs, then available funds (see the module docstring)."""
        if fee <= 0:
            return ZERO, ZERO
        spare = order.hold_remaining - order.reserve_after(cost_left, self.spec.quote_places)
        from_hold = min(fee, spare) if spare > 0 else ZERO
        order.hold_remaining -= from_hold
        short = fee - from_hold
        if short <= 0:
            return fee, from_hold
        granted = self.funds.take(order.account_id, self.spec.fee_currency, short)
        return from_hold + min(max(granted, ZERO), short), from_hold

    # --- stops --------------------------------------------------------------------------------------

    def _cascade(self, at: datetime) -> bool:
        """Trigger reached stops, earliest placed first; True when the cap left some reached."""
        for _ in range(self.spec.stop_cascade):
            stop = self._reached_stop()
            if stop is None:
                return False
            self._trigger(stop, at)
        return self._reached_stop() is not None

    def _reached_stop(self) -> Order | None:
        last = self.last_price
        if last is None:
            return None
        for stop in self._stops.values():
            assert stop.stop_price is not None
            if stop_reached(stop.side, stop.stop_price, last):
                return stop
        return None

    def _trigger(self, stop: Order, at: datetime) -> None:
        if stop.expire_at is not None and stop.expire_at <= at:
            self._close(stop, EXPIRED, Reason.EXPIRED)
            return
        assert self.last_price is not None
        self._events.append(StopTriggered(self._next(), stop.order_id, self.last_price))
        plan = self._plan(stop, at)
        if plan.exhausted and stop.time_in_force is FOK:
            self._close(stop, CANCELLED, Reason.FILL_OR_KILL)
            return
        del self._stops[stop.order_id]
        stop.is_triggered = True
        self._pass(stop, plan)

    # --- leaving ------------------------------------------------------------------------------------

    def _expire_due(self, at: datetime) -> None:
        due: list[int] = []
        heap = self._expiry
        while heap and heap[0][0] <= at:
            expire_at, order_id = heapq.heappop(heap)
            order = self._orders.get(order_id)
            if order is not None and order.expire_at == expire_at:
                due.append(order_id)
        for order_id in sorted(due):
            self._close(self._orders[order_id], EXPIRED, Reason.EXPIRED)

    def _close(self, order: Order, status: Status, reason: Reason) -> None:
        """Take an open order off (cancelled or expired): release its hold, drop it from the book."""
        self._release(order)
        order.status = status
        if order.order_id in self._stops:
            del self._stops[order.order_id]
        else:
            self._off_book(order)
        self._leave(order)
        if status is EXPIRED:
            self._events.append(OrderExpired(self._next(), order.order_id))
        else:
            self._events.append(OrderCancelled(self._next(), order.order_id, reason))

    def _release(self, order: Order) -> None:
        if order.hold_remaining > 0:
            assert order.hold_currency is not None
            self._events.append(
                HoldReleased(
                    self._next(),
                    order.order_id,
                    order.account_id,
                    order.hold_currency,
                    order.hold_remaining,
                )
            )
            order.hold_remaining = ZERO

    def _on_book(self, order: Order) -> None:
        self._touch(self._side(order.side).add(order))

    def _off_book(self, order: Order) -> None:
        self._touch(self._side(order.side).remove(order))

    def _touch(self, level: Level) -> None:
        if not level.touched:
            level.touched = True
            self._touched.append(level)

    def _enter(self, order: Order) -> None:
        self._orders[order.order_id] = order
        self._open[order.account_id] = self._open.get(order.account_id, 0) + 1
        if order.expire_at is not None:
            heapq.heappush(self._expiry, (order.expire_at, order.order_id))

    def _leave(self, order: Order) -> None:
        del self._orders[order.order_id]
        count = self._open[order.account_id] - 1
        if count:
            self._open[order.account_id] = count
        else:
            del self._open[order.account_id]


def _filled(seq: int, order: Order) -> OrderFilled:
    return OrderFilled(
        seq,
        order.order_id,
        order.status,
        order.remaining,
        order.executed_amount,
        order.executed_quote,
        order.fee_amount,
        order.hold_remaining,
    )


def _problem(cmd: Place) -> tuple[int, str] | None:
    """The reject code and reason of a malformed order (the door refuses these first), else None."""
    positive = _positive
    if cmd.order_type is MARKET:
        if cmd.stop_price is not None:
            return REJECT_RULE, MARKET_TRIGGER
        if (cmd.amount is None) == (cmd.quote_amount is None):
            return REJECT_AMOUNTS, MARKET_AMOUNTS
        if not positive(cmd.amount if cmd.amount is not None else cmd.quote_amount):
            return REJECT_RULE, "amount check failed: Amount should be greater than zero"
        if cmd.quote_amount is not None and cmd.side is not BUY:
            return REJECT_RULE, (
                "amountCcy2 check failed: only market buys may give the amount in quote"
            )
        if cmd.time_in_force not in (IOC, FOK):
            return REJECT_RULE, "timeInForce check failed: Market orders accept only IOC or FOK"
    else:
        if not positive(cmd.amount) or cmd.quote_amount is not None:
            return REJECT_RULE, "amount check failed: Amount should be greater than zero"
        if not positive(cmd.price):
            return REJECT_RULE, "price check failed: Price should be greater than zero"
        stop_price = cmd.stop_price
        if (cmd.order_type is STOP_LIMIT) != (stop_price is not None and positive(stop_price)):
            return REJECT_RULE, "stopPrice check failed: stop limit orders, and only they, need one"
    if cmd.time_in_force is GTD:
        if cmd.expire_at is None:
            return REJECT_RULE, "expireTime check failed: GTD orders need expireTime"
        if cmd.expire_at <= cmd.at:
            return REJECT_RULE, "expireTime check failed: expireTime is in the past"
    return None


def _positive(value: Decimal | None) -> bool:
    return value is not None and value.is_finite() and value > 0
