"""Test kit for the pure core: a harness that numbers commands and checks every result's sequence, and a wallet
that answers the engine's funds questions and follows its events the way the ledger will."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from trading.core import (
    Cancel,
    CancelAll,
    Command,
    Event,
    ExpireDue,
    HoldReleased,
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
from trading.core.engine import Funds

D = Decimal
T0 = datetime(2026, 1, 1, tzinfo=UTC)
# BTC-USD as the service tests have it: fees in USD (cents), lot 0.00001.
BTC_USD = PairSpec(
    symbol="BTC-USD",
    base="BTC",
    quote="USD",
    quote_places=2,
    fee_currency="USD",
    fee_places=2,
    lot_size=D("0.00001"),
    max_open_orders=20,
)
# ETH-BTC: fees in the base currency.
ETH_BTC = PairSpec(
    symbol="ETH-BTC",
    base="ETH",
    quote="BTC",
    quote_places=8,
    fee_currency="ETH",
    fee_places=8,
    lot_size=D("0.001"),
)
E = TypeVar("E")


def of(result: Result, kind: type[E]) -> list[E]:
    return [event for event in result.events if isinstance(event, kind)]


class Harness:
    """An engine plus terse commands: ids and command ids are numbered, the clock ticks 1 ms per command
    unless `at` is given. Every result is checked to continue the sequence without a gap."""

    def __init__(self, spec: PairSpec = BTC_USD, funds: Funds | None = None) -> None:
        self.engine = PairEngine(spec, funds=funds)
        self.next_id = 0
        self.now = T0
        self.results: list[Result] = []

    def apply(self, command: Command) -> Result:
        before = self.engine.seq
        result = self.engine.apply(command)
        assert [event.seq for event in result.events] == list(
            range(before + 1, before + 1 + len(result.events))
        )
        self.results.append(result)
        return result

    def _at(self, at: datetime | None) -> datetime:
        self.now = at if at is not None else self.now + timedelta(milliseconds=1)
        return self.now

    def place(
        self,
        user: int,
        side: str,
        amount: str | None = None,
        price: str | None = None,
        *,
        kind: OrderType | None = None,
        tif: TimeInForce | None = None,
        quote_amount: str | None = None,
        stop: str | None = None,
        expire_at: datetime | None = None,
        account: int | None = None,
        maker: str = "0.1",
        taker: str = "0.2",
        at: datetime | None = None,
    ) -> tuple[int, Result]:
        self.next_id += 1
        order_type = kind or (OrderType.LIMIT if price is not None else OrderType.MARKET)
        if tif is None:
            tif = TimeInForce.IOC if order_type is OrderType.MARKET else TimeInForce.GTC
        command = Place(
            command_id=f"place-{self.next_id}",
            at=self._at(at),
            order_id=self.next_id,
            user_id=user,
            account_id=account if account is not None else user,
            side=Side(side),
            order_type=order_type,
            time_in_force=tif,
            amount=None if amount is None else D(amount),
            quote_amount=None if quote_amount is None else D(quote_amount),
            price=None if price is None else D(price),
            stop_price=None if stop is None else D(stop),
            expire_at=expire_at,
            maker_rate=D(maker),
            taker_rate=D(taker),
        )
        return self.next_id, self.apply(command)

    def cancel(self, user: int, order_id: int) -> Result:
        return self.apply(Cancel(f"cancel-{order_id}", self._at(None), order_id, user))

    def cancel_all(self, user: int, accounts: set[int] | None = None) -> Result:
        return self.apply(
            CancelAll(
                f"cancel-all-{user}",
                self._at(None),
                user,
                None if accounts is None else frozenset(accounts),
            )
        )

    def expire(self, at: datetime) -> Result:
        return self.apply(ExpireDue("expire", self._at(at)))

    def trigger(self) -> Result:
        return self.apply(TriggerStops("trigger", self._at(None)))

    def book(self) -> list[tuple[int, str, Decimal, Decimal]]:
        """(order id, side, price, remaining) of every resting order, bids then asks, in priority order."""
        return [
            (order.order_id, order.side.value, order.price or D(0), order.remaining)
            for side in (self.engine.bids, self.engine.asks)
            for order in side
        ]


class Wallet:
    """Balances per (account, currency): `total` and `held`, plus fee grants not yet settled (`pending`).

    `reserve` holds what it grants at once; `take` grants from available funds and counts the grant as spent
    until the trade carrying it is applied. `apply(result)` follows the events: trades move money from holds
    and pay fees into `FEES`, releases free holds. Nothing here lets a balance go below zero unnoticed."""

    FEES = -1

    def __init__(self, spec: PairSpec) -> None:
        self.spec = spec
        self.total: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        self.held: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        self.pending: dict[tuple[int, str], Decimal] = defaultdict(Decimal)

    def fund(self, account: int, currency: str, amount: str | Decimal) -> None:
        self.total[(account, currency)] += D(amount)

    def available(self, account: int, currency: str) -> Decimal:
        key = (account, currency)
        return self.total[key] - self.held[key] - self.pending[key]

    def reserve(self, account_id: int, currency: str, amount: Decimal) -> bool:
        if self.available(account_id, currency) < amount:
            return False
        self.held[(account_id, currency)] += amount
        return True

    def take(self, account_id: int, currency: str, amount: Decimal) -> Decimal:
        granted = max(D(0), min(amount, self.available(account_id, currency)))
        self.pending[(account_id, currency)] += granted
        return granted

    def apply(self, result: Result) -> None:
        for event in result.events:
            self._apply(event)
        for key in set(self.total) | set(self.held):
            if key[0] != self.FEES:
                assert self.held[key] >= 0, key
                assert self.total[key] >= self.held[key], key
        assert not any(self.pending.values()), "a fee grant was never settled"

    def _apply(self, event: Event) -> None:
        spec = self.spec
        if isinstance(event, HoldReleased):
            self.held[(event.account_id, event.currency)] -= event.amount
        elif isinstance(event, Trade):
            for side in event.sides():
                account = side.account_id
                gives, gets = (spec.quote, spec.base) if side.is_buyer else (spec.base, spec.quote)
                give, get = (
                    (event.quote_amount, event.amount)
                    if side.is_buyer
                    else (event.amount, event.quote_amount)
                )
                self.total[(account, gives)] -= give
                self.total[(account, gets)] += get
                # The principal and the fee's part from the hold, both in the hold's currency.
                self.held[(account, gives)] -= side.from_hold
                self.total[(account, spec.fee_currency)] -= side.fee
                if gives == spec.fee_currency:  # the rest of its fee was a grant of available funds
                    self.pending[(account, gives)] -= side.fee - (side.from_hold - give)
                self.total[(self.FEES, spec.fee_currency)] += side.fee


def trade_key(trade: Any) -> tuple[Any, ...]:
    """What two matchers must agree on about a trade: a core `Trade` event or a stored `Trade` row."""
    return (
        trade.maker_order_id,
        trade.taker_order_id,
        trade.price,
        trade.amount,
        trade.quote_amount,
        trade.maker_fee,
        trade.taker_fee,
    )


def currency_sums(wallet: Wallet) -> dict[str, Decimal]:
    sums: dict[str, Any] = defaultdict(Decimal)
    for (_, currency), amount in wallet.total.items():
        sums[currency] += amount
    return dict(sums)
