"""Property tests of the pure core: random command sequences against a small reference matcher written here,
and the invariants the persistence layer will rely on (funds, holds, sequence, an uncrossed book).

The reference keeps the book as a plain list and sorts it on every order: slow and obviously right. It knows
nothing of the core's levels, keys, plans or events.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, ROUND_UP, Decimal, localcontext
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trading.core import (
    Cancel,
    CancelAll,
    Command,
    ExpireDue,
    HoldReleased,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderType,
    PairEngine,
    PairSpec,
    Place,
    Result,
    Side,
    TimeInForce,
    Trade,
    TriggerStops,
)
from trading.core.rules import EXACT
from trading.tests.core_kit import T0, D, Wallet, currency_sums, trade_key

LOT = D("0.01")
# Y has no decimals: most fills' values are cut (0.37 X at 101 is worth 37 Y, not 37.37), and one lot below a
# price of 100 is a dust fill, worth 0 Y (0.01 X at 99 is worth 0.99).
FEES_IN_QUOTE = PairSpec("X-Y", "X", "Y", 0, "Y", 0, LOT, max_open_orders=4, stop_cascade=3)
FEES_IN_BASE = PairSpec("X-Y", "X", "Y", 0, "X", 3, LOT, max_open_orders=4, stop_cascade=3)
USERS = (1, 2, 3)
CHECKS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


# --- the reference matcher ----------------------------------------------------------------------------


@dataclass
class Ref:
    id: int
    user: int
    account: int
    side: str
    kind: str
    tif: str
    price: Decimal | None
    stop: Decimal | None
    amount: Decimal | None
    quote: Decimal | None
    maker_rate: Decimal
    taker_rate: Decimal
    expire: datetime | None
    remaining: Decimal = D(0)
    executed: Decimal = D(0)
    arrival: int = 0


@dataclass
class Reference:
    spec: PairSpec
    book: list[Ref] = field(default_factory=list)
    stops: list[Ref] = field(default_factory=list)
    last: Decimal | None = None
    trades: list[tuple[int, int, Decimal, Decimal, Decimal, Decimal, Decimal]] = field(
        default_factory=list
    )
    status: dict[int, str] = field(default_factory=dict)
    arrivals: count = field(default_factory=count)  # type: ignore[type-arg]

    def fee(self, amount: Decimal, value: Decimal, rate: Decimal) -> Decimal:
        base = value if self.spec.fee_currency == self.spec.quote else amount
        if rate <= 0:
            return D(0)
        return min((base * rate / 100).quantize(D(1).scaleb(-self.spec.fee_places), ROUND_UP), base)

    def open_of(self, account: int) -> int:
        return sum(o.account == account for o in self.book + self.stops)

    def remove(self, order: Ref, status: str) -> None:
        (self.book if order in self.book else self.stops).remove(order)
        self.status[order.id] = status

    def apply(self, command: Command) -> None:
        at = command.at
        if isinstance(command, Place):
            self.place(command)
        elif isinstance(command, Cancel):
            for order in self.book + self.stops:
                if order.id == command.order_id and order.user == command.user_id:
                    self.remove(order, "CANCELLED")
        elif isinstance(command, CancelAll):
            accounts = command.account_ids
            mine = [
                o
                for o in self.book + self.stops
                if o.user == command.user_id and (accounts is None or o.account in accounts)
            ]
            for order in sorted(mine, key=lambda o: o.id):
                self.remove(order, "CANCELLED")
        elif isinstance(command, ExpireDue):
            due = [o for o in self.book + self.stops if o.expire is not None and o.expire <= at]
            for order in sorted(due, key=lambda o: o.id):
                self.remove(order, "EXPIRED")
        else:
            self.cascade(at)

    def place(self, cmd: Place) -> None:
        order = Ref(
            cmd.order_id,
            cmd.user_id,
            cmd.account_id,
            cmd.side.value,
            cmd.order_type.value,
            cmd.time_in_force.value,
            None if cmd.order_type == OrderType.MARKET else cmd.price,
            cmd.stop_price,
            cmd.amount,
            cmd.quote_amount,
            cmd.maker_rate,
            cmd.taker_rate,
            cmd.expire_at if cmd.time_in_force == TimeInForce.GTD else None,
            cmd.amount or D(0),
        )
        if order.tif == "GTD" and (order.expire is None or order.expire <= cmd.at):
            self.status[order.id] = "REJECTED"
            return
        rests = order.kind != "Market" and order.tif in ("GTC", "GTD")
        if rests and self.open_of(order.account) >= (self.spec.max_open_orders or 10**9):
            self.status[order.id] = "REJECTED"
            return
        self.status[order.id] = "NEW"
        if order.kind == "Stop Limit" and not self.reached(order):
            self.stops.append(order)
            return
        before = len(self.trades)
        self.take(order, cmd.at)
        if len(self.trades) > before:
            self.cascade(cmd.at)

    def reached(self, order: Ref) -> bool:
        assert order.stop is not None
        if self.last is None:
            return False
        return self.last >= order.stop if order.side == "BUY" else self.last <= order.stop

    def cascade(self, at: datetime) -> None:
        for _ in range(self.spec.stop_cascade):
            stop = next((s for s in self.stops if self.reached(s)), None)
            if stop is None:
                return
            if stop.expire is not None and stop.expire <= at:
                self.remove(stop, "EXPIRED")
                continue
            self.stops.remove(stop)
            self.take(stop, at)

    def walk(self, order: Ref, at: datetime, execute: bool) -> bool:
        """Meet the opposite side best first; True when the book ran out before the order was satisfied."""
        opposite = sorted(
            (o for o in self.book if o.side != order.side),
            key=lambda o: (o.price if order.side == "BUY" else -o.price, o.arrival),  # type: ignore[operator]
        )
        budget = order.quote
        left = order.remaining
        cut = False
        for maker in opposite:
            assert maker.price is not None
            if order.price is not None and (
                maker.price > order.price if order.side == "BUY" else maker.price < order.price
            ):
                break
            if (maker.expire is not None and maker.expire <= at) or maker.user == order.user:
                if execute:
                    gone = maker.expire is not None and maker.expire <= at
                    self.remove(maker, "EXPIRED" if gone else "CANCELLED")
                continue
            if budget is not None:
                lots = int(budget / (maker.price * LOT))  # exact here: tiny numbers
                amount = min(maker.remaining, lots * LOT)
                cut = amount < maker.remaining
            else:
                amount = min(maker.remaining, left)
            if amount == 0:
                return False
            value = (amount * maker.price).quantize(
                D(1).scaleb(-self.spec.quote_places), ROUND_DOWN
            )
            if value == 0 and cut:  # what is left of the budget buys nothing worth a unit of Y
                return False
            if execute:
                self.fill(order, maker, amount, value)
            if budget is not None:
                budget -= value
                if budget == 0:
                    return False
            else:
                left -= amount
                if left == 0:
                    return False
        return not cut

    def fill(self, taker: Ref, maker: Ref, amount: Decimal, value: Decimal) -> None:
        maker_fee = self.fee(amount, value, maker.maker_rate)
        taker_fee = self.fee(amount, value, taker.taker_rate)
        assert maker.price is not None
        self.trades.append((maker.id, taker.id, maker.price, amount, value, maker_fee, taker_fee))
        self.last = maker.price
        maker.remaining -= amount
        maker.executed += amount
        if taker.amount is not None:
            taker.remaining -= amount
        taker.executed += amount
        if taker.quote is not None:
            taker.quote -= value
        if maker.remaining == 0:
            self.remove(maker, "FILLED")
        else:
            self.status[maker.id] = "PARTIALLY_FILLED"

    def take(self, order: Ref, at: datetime) -> None:
        if order.tif == "FOK" and self.walk(order, at, execute=False):
            self.status[order.id] = "CANCELLED"
            return
        ran_out = self.walk(order, at, execute=True)
        # By amount: filled when nothing remains; by quote amount: when it bought and the budget ran out first.
        done = (
            order.remaining == 0 if order.amount is not None else order.executed > 0 and not ran_out
        )
        if done:
            self.status[order.id] = "FILLED"
        elif order.kind == "Market" or order.tif in ("IOC", "FOK"):
            self.status[order.id] = "CANCELLED"
        else:
            self.status[order.id] = "PARTIALLY_FILLED" if order.executed else "NEW"
            order.arrival = next(self.arrivals)
            self.book.append(order)

    def final_book(self) -> list[tuple[int, Decimal]]:
        def priority(o: Ref) -> tuple[str, Decimal, int]:
            assert o.price is not None
            return (o.side, -o.price if o.side == "BUY" else o.price, o.arrival)

        return [(o.id, o.remaining) for o in sorted(self.book, key=priority)]


# --- random commands ----------------------------------------------------------------------------------

prices = st.integers(95, 105).map(D)
lots = st.integers(1, 40).map(lambda n: n * LOT)


@st.composite
def commands(draw: st.DrawFn) -> list[Command]:
    out: list[Command] = []
    at = T0
    ids = count(1)
    placed: list[tuple[int, int]] = []
    for _ in range(draw(st.integers(1, 40))):
        at += timedelta(seconds=draw(st.integers(0, 5)))
        what = draw(
            st.sampled_from(
                ["limit"] * 6 + ["market", "stop", "cancel", "cancel_all", "expire", "trigger"]
            )
        )
        user = draw(st.sampled_from(USERS))
        account = user * 10 + draw(st.integers(0, 1))
        command_id = f"c{len(out)}"
        if what == "cancel" and placed:
            order_id, owner = draw(st.sampled_from(placed))
            out.append(
                Cancel(command_id, at, order_id, draw(st.sampled_from([owner, owner, user])))
            )
        elif what == "cancel_all":
            accounts = draw(st.sampled_from([None, frozenset({account})]))
            out.append(CancelAll(command_id, at, user, accounts))
        elif what == "expire":
            out.append(ExpireDue(command_id, at))
        elif what == "trigger":
            out.append(TriggerStops(command_id, at))
        else:
            order_id = next(ids)
            placed.append((order_id, user))
            side = draw(st.sampled_from([Side.BUY, Side.SELL]))
            market = what == "market"
            tif = draw(
                st.sampled_from(
                    [TimeInForce.IOC, TimeInForce.FOK]
                    if market
                    else [TimeInForce.GTC] * 3 + [TimeInForce.IOC, TimeInForce.FOK, TimeInForce.GTD]
                )
            )
            by_quote = market and side is Side.BUY and draw(st.booleans())
            out.append(
                Place(
                    command_id=command_id,
                    at=at,
                    order_id=order_id,
                    user_id=user,
                    account_id=account,
                    side=side,
                    order_type=OrderType.MARKET
                    if market
                    else (OrderType.STOP_LIMIT if what == "stop" else OrderType.LIMIT),
                    time_in_force=tif,
                    amount=None if by_quote else draw(lots),
                    quote_amount=D(draw(st.integers(1, 30))) if by_quote else None,
                    price=None if market else draw(prices),
                    stop_price=draw(prices) if what == "stop" else None,
                    expire_at=at + timedelta(seconds=draw(st.integers(-1, 20)))
                    if tif is TimeInForce.GTD
                    else None,
                    maker_rate=draw(st.sampled_from([D(0), D("0.1"), D("0.25")])),
                    taker_rate=draw(st.sampled_from([D(0), D("0.2"), D("0.35")])),
                )
            )
    return out


def statuses(results: list[Result]) -> dict[int, str]:
    found: dict[int, str] = {}
    for result in results:
        for event in result.events:
            if isinstance(event, OrderAccepted):
                found[event.order_id] = "NEW"
            elif isinstance(event, OrderRejected):
                found[event.order_id] = "REJECTED"
            elif isinstance(event, OrderFilled):
                found[event.order_id] = event.status.value
            elif isinstance(event, OrderCancelled):
                found[event.order_id] = "CANCELLED"
            elif isinstance(event, OrderExpired):
                found[event.order_id] = "EXPIRED"
    return found


def run(spec: PairSpec, script: list[Command]) -> tuple[PairEngine, list[Result]]:
    engine = PairEngine(spec)
    return engine, [engine.apply(command) for command in script]


# --- the properties -----------------------------------------------------------------------------------


@CHECKS
@given(script=commands(), fees_in_quote=st.booleans())
def test_the_core_matches_the_reference_matcher(script: list[Command], fees_in_quote: bool) -> None:
    spec = FEES_IN_QUOTE if fees_in_quote else FEES_IN_BASE
    engine, results = run(spec, script)
    reference = Reference(spec)
    with localcontext(EXACT):
        for command in script:
            reference.apply(command)
    trades = [trade_key(t) for result in results for t in result.events if isinstance(t, Trade)]
    assert trades == reference.trades
    book = [(o.order_id, o.remaining) for side in (engine.bids, engine.asks) for o in side]
    assert book == reference.final_book()
    waiting = [o.order_id for o in engine.open_orders() if not o.is_triggered]
    assert waiting == [o.id for o in reference.stops]
    assert statuses(results) == reference.status
    assert engine.last_price == reference.last


@CHECKS
@given(script=commands(), cut=st.integers(0, 40))
def test_replaying_the_commands_or_reloading_the_open_orders_gives_the_same_events(
    script: list[Command], cut: int
) -> None:
    engine, results = run(FEES_IN_QUOTE, script)
    assert run(FEES_IN_QUOTE, script)[1] == results
    # Rebuild mid-way from the open orders alone (as from the database), then go on with both.
    cut = min(cut, len(script))
    first, _ = run(FEES_IN_QUOTE, script[:cut])
    rebuilt = PairEngine(FEES_IN_QUOTE, seq=first.seq, last_price=first.last_price)
    rebuilt.load(replace(order, level=None) for order in first.open_orders())
    assert rebuilt.snapshot() == first.snapshot()
    assert [rebuilt.apply(c) for c in script[cut:]] == [first.apply(c) for c in script[cut:]]


@CHECKS
@given(
    script=commands(),
    fees_in_quote=st.booleans(),
    funding=st.lists(st.integers(0, 60), min_size=12, max_size=12),
)
def test_funds_holds_and_fills_stay_consistent_under_any_commands(
    script: list[Command], fees_in_quote: bool, funding: list[int]
) -> None:
    spec = FEES_IN_QUOTE if fees_in_quote else FEES_IN_BASE
    wallet = Wallet(spec)
    accounts = [user * 10 + k for user in USERS for k in (0, 1)]
    for index, account in enumerate(accounts):
        wallet.fund(account, spec.base, D(funding[2 * index]) / 4)
        wallet.fund(account, spec.quote, D(funding[2 * index + 1]) * 25)
    funded = currency_sums(wallet)
    engine = PairEngine(spec, funds=wallet)
    quote_unit, fee_unit = D(1).scaleb(-spec.quote_places), D(1).scaleb(-spec.fee_places)
    holds: dict[int, Decimal] = {}
    spent: dict[int, Decimal] = defaultdict(Decimal)  # from the hold: principal and fees
    traded: dict[int, list[Decimal]] = defaultdict(lambda: [D(0), D(0), D(0)])  # amount, value, fee
    seq = 0
    for command in script:
        result = engine.apply(command)
        wallet.apply(result)  # no negative balance, holds within totals, every fee grant settled
        for event in result.events:
            seq += 1
            assert event.seq == seq
            if isinstance(event, OrderAccepted):
                holds[event.order_id] = event.hold
            elif isinstance(event, Trade):
                # Every amount a fill moves is in its currency's places (the base: lots).
                assert event.quote_amount == event.quote_amount.quantize(quote_unit) >= 0
                for side in event.sides():
                    assert side.fee == side.fee.quantize(fee_unit)
                    spent[side.order_id] += side.from_hold
                    sums = traded[side.order_id]
                    sums[0] += event.amount
                    sums[1] += event.quote_amount
                    sums[2] += side.fee
            elif isinstance(event, HoldReleased):
                spent[event.order_id] += event.amount
            elif isinstance(event, OrderFilled):
                # Executed amounts are the sums of the order's trades; its hold is what is left of it.
                assert [event.executed_amount, event.executed_quote, event.fee_amount] == traded[
                    event.order_id
                ]
                assert event.hold_remaining == holds[event.order_id] - spent[event.order_id] >= 0
            elif isinstance(event, OrderCancelled | OrderExpired):
                assert spent[event.order_id] == holds.get(event.order_id, D(0))
        # Holds equal what open orders still have reserved, each at least what it can still spend.
        open_holds: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for order in engine.open_orders():
            assert order.hold_currency is not None
            assert order.hold_remaining == holds[order.order_id] - spent[order.order_id]
            assert order.hold_remaining >= order.reserve_after(D(0), spec.quote_places)
            open_holds[(order.account_id, order.hold_currency)] += order.hold_remaining
        assert {k: v for k, v in wallet.held.items() if v} == dict(open_holds)
        bid, ask = engine.bids.best(), engine.asks.best()
        assert bid is None or ask is None or bid < ask
    assert currency_sums(wallet) == funded
