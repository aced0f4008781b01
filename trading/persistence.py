"""The one writer of trading: applies a matcher batch's commands to the pairs' books in memory (the pure core,
`trading.core`) and writes all their effects in the batch's one transaction, with bulk statements
(`trading.matcher.runner` opens it and calls `Batch`). Nothing else writes orders, trades, holds or the market
data of a pair; the doors (`trading.services`) only read and submit commands.

A batch, inside its durable transaction:
1. `lock_pairs`: the pairs' rows, in symbol order (`select_for_update`: a second matcher that owned a pair by
   mistake would wait, not corrupt).
2. `open`: each pair's book, kept in memory by the matcher while the pair's last command number in the
   database is the one it reflects, else rebuilt from the open orders (`Books`); the accounts of the batch's
   placements, the earlier orders of their clientOrderIds, new order ids, and the balances a placement may reserve
   from (read, not locked: see 4).
3. `run` per command: the door's checks that need the database (account, trading rules, clientOrderId), the
   fee rates, then the core's `apply`. Funds are reserved against the locked balances as the core asks
   (`_Funds`); its events become rows, postings (`ledger.settlement.Journal`), activity rows and order events,
   in memory.
4. `flush`: new orders (inserted once, in their state after the batch), changed orders, trades; then the
   journal locks every balance the batch changed in ONE ascending `lock_balances` call (the order every ledger
   writer uses, so two matchers that share accounts cannot deadlock), checks that each still holds the batch's
   changes (a transfer may have moved it since it was read: `BalancesMovedError`, the batch runs again) and
   writes the entries and balances; then the market data (`trading.market`) and each book's feed.
A batch that fails drops its books: the next rebuilds them from what committed.

Decisions (the core's docstring, `trading/core/engine.py`, holds the matching rules):
- Self-trade prevention: when an incoming order meets a resting order of the same user (any of their accounts),
  the RESTING order is cancelled (its hold released, `order.cancelled` with reason `self_trade_prevention`) and
  the incoming order goes on matching. No trade between one user's orders ever happens.
- `clientOrderId` is unique per user for 24 h (`TRADING_CLIENT_ORDER_ID_TTL_S`): the order carries it in
  `dedupe_key`, under a unique (user, dedupe_key) constraint. The door answers a repeat from the database
  (`earlier`); a repeat that reaches the matcher before the first committed is answered in the batch with the
  first order (`replayed`), or refused (`ClientOrderIdConflictError`) with other parameters. After 24 h the id
  is released (lazily when it comes again, and by the periodic task).
- Rejections (trading rules, insufficient funds, too many open orders) are not errors: the order is stored with
  status REJECTED, `reject_code` and `reject_reason` (protocol §4.6), recorded as `order.rejected`, and
  returned.
- Too many open orders: at most `TRADING_MAX_OPEN_ORDERS` open orders per account and pair, exact because one
  writer owns the pair.
- FOK fills completely at once or is cancelled with nothing filled; IOC and market orders cancel what they could
  not fill. Stop Limit orders trigger on the last trade price and then act as limit orders; their funds are
  held from placement. A cascade of more than `MAX_STOP_CASCADE` triggers goes on in a `TriggerStops` command
  the runner runs next, in the same batch.

Money (all Decimal, the core's rules in `trading/core/rules.py`): a fill's quote amount is `amount * price` cut
to the quote's precision (the seller bears the cut, a dust fill moves its base for 0); a buy reserves its cost
rounded up; fees round up, toward the exchange, and are paid from the hold as far as it goes beyond what the
order still needs, then from available funds, and are forgiven beyond them. No balance ever goes negative.
"""

import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models

from activities.actor import Actor
from activities.models import ActivityType, Outcome
from activities.services import record
from common.errors import DomainError
from common.events import scoped
from common.models import (
    insert_rows,
    next_ids,
    quoted_column,
    select_rows,
    update_rows,
)
from common.money import plain_amount
from conditions.errors import OrderAmountMissingError, OrderRuleError, PairNotFoundError
from conditions.models import Currency, Pair, PairStatus
from conditions.validation import order_check
from fees.selectors import FeeQuotes
from ledger.settlement import (
    AccountNotFoundError,
    BalanceKey,
    Fee,
    Journal,
    fees_account,
    order_accounts,
    read_balances,
    settle_fill,
)
from trading import events, market
from trading.core import (
    Cancel,
    CommandRefused,
    HoldReleased,
    LevelChanged,
    OrderAccepted,
    OrderCancelled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderRested,
    PairEngine,
    PairSpec,
    Place,
    Result,
    StopTriggered,
)
from trading.core import CancelAll as CoreCancelAll
from trading.core import ExpireDue as CoreExpireDue
from trading.core import Order as CoreOrder
from trading.core import OrderType as CoreType
from trading.core import Side as CoreSide
from trading.core import Status as CoreStatus
from trading.core import TimeInForce as CoreTIF
from trading.core import Trade as Trade_
from trading.core import TriggerStops as CoreTriggerStops
from trading.core.engine import (
    INSUFFICIENT_FUNDS,
    MARKET_TRIGGER,
    REJECT_AMOUNTS,
    REJECT_FUNDS,
    REJECT_RULE,
    REJECT_TOO_MANY,
    TOO_MANY_ORDERS,
)
from trading.core.rules import FILLED
from trading.errors import (
    ClientOrderIdConflictError,
    OrderCancelNotAllowedError,
    OrderFinalError,
    OrderNotFoundError,
)
from trading.matcher.commands import CancelAll, CancelOrder, ExpireDue, PlaceOrder, Reply
from trading.matcher.commands import Command as MatcherCommand
from trading.models import (
    OPEN,
    Order,
    OrderStatus,
    OrderType,
    PairState,
    Side,
    TimeInForce,
    Trade,
)

__all__ = [
    "INSUFFICIENT_FUNDS",
    "MARKET_TRIGGER",
    "REJECT_AMOUNTS",
    "REJECT_FUNDS",
    "REJECT_RULE",
    "REJECT_TOO_MANY",
    "TOO_MANY_ORDERS",
    "Batch",
    "Books",
    "ExpiredClientOrderId",
    "earlier",
    "fingerprint",
    "replayed",
]

MAX_STOP_CASCADE = 100
ZERO = Decimal(0)


class WriterError(Exception):
    """The writer could not write what the core decided (a bug): the batch is rolled back."""


class ExpiredClientOrderId(Exception):
    """The order holding this clientOrderId is past the dedupe window: the door releases the id in a
    transaction of its own (that order's row lock, nothing else held, so it cannot close a cycle with a fill),
    then submits the order."""

    def __init__(self, order_id: int) -> None:
        super().__init__(order_id)
        self.order_id = order_id


def pair_loaded(*, symbol: str, lock: bool = False) -> Pair:
    """The pair row with its currencies (base, quote, fee currency) loaded; with `lock`, the row locked (the
    per-pair matching lock). Raises `PairNotFoundError`. The doors read it unlocked, the matcher's batch locked.

    The lock is on the pair row only. Rows joined into a locking query that had to wait come from the
    snapshot taken before the wait (PostgreSQL READ COMMITTED re-reads only the locked row): fine for the
    currencies, wrong for anything the previous lock holder changed, so the market state is read separately,
    after the lock (`engine.pair_state`).
    """
    # Written out as SQL (`select_rows`), and the currencies in a second query by primary key: compiling the
    # ORM form (a query joined to three currencies) costs several times what both queries take to run. The
    # currencies are read after the lock, as the joined rows were.
    clauses = f"WHERE {quoted_column(Pair, 'symbol')} = %s"
    # SQLite has no row locks: its IMMEDIATE transactions serialise writers.
    if lock and connection.features.has_select_for_update:
        clauses += " FOR UPDATE"
    found = next(iter(select_rows(Pair, clauses, [symbol])), None)
    if found is None:
        raise PairNotFoundError(f"Unsupported pair {symbol}", details={"pair": symbol})
    codes = {found.base_id, found.quote_id, found.fee_currency_id}
    marks = ", ".join(["%s"] * len(codes))
    in_codes = f"WHERE {quoted_column(Currency, 'code')} IN ({marks})"
    currencies = {row.pk: row for row in select_rows(Currency, in_codes, sorted(codes))}
    for name in ("base", "quote", "fee_currency"):
        field = Pair._meta.get_field(name)
        assert isinstance(field, models.ForeignKey)
        field.set_cached_value(found, currencies[getattr(found, field.attname)])
    return found


def fingerprint(order: Order, account: str, symbol: str) -> str:
    def text(value: Decimal | None) -> str:
        return "" if value is None else format(value.normalize(), "f")

    parts = [
        account,
        symbol,
        order.side,
        order.order_type,
        order.time_in_force,
        text(order.amount),
        text(order.quote_amount),
        text(order.price),
        text(order.stop_price),
        order.expire_at.isoformat() if order.expire_at else "",
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def earlier(
    *,
    user: Any,
    client_order_id: str,
    fingerprint: str,
    now: datetime,
) -> int | None:
    """The id of the order that still holds this clientOrderId, if it is a retry of the same order.

    Raises `ClientOrderIdConflictError` for other parameters, `ExpiredClientOrderId` for an id older than the
    dedupe window (the caller releases it).
    """
    # Written out as SQL (`select_rows`): compiling the ORM form costs more than the query, on every order.
    user_id, dedupe_key = quoted_column(Order, "user"), quoted_column(Order, "dedupe_key")
    rows = select_rows(
        Order, f"WHERE {user_id} = %s AND {dedupe_key} = %s", [user, client_order_id]
    )
    if not rows:
        return None
    earlier = rows[0]  # (user, dedupe_key) is unique
    if earlier.created_at <= now - timedelta(seconds=settings.TRADING_CLIENT_ORDER_ID_TTL_S):
        # Not released here: this runs before the pair lock, and writing the order row now would hold its
        # lock while waiting for the pair's, against a fill that holds the pair's and waits for the row.
        raise ExpiredClientOrderId(earlier.pk)
    if earlier.fingerprint != fingerprint:
        raise ClientOrderIdConflictError(
            f"clientOrderId {client_order_id} was already used with different parameters",
            details={"client_order_id": client_order_id, "order_id": earlier.pk},
        )
    return earlier.pk


def replayed(order: Order, symbol: str, actor: Actor) -> None:
    """Record the answer to a repeated clientOrderId with its earlier order (`order.placed`, `replayed: true`)."""
    record(
        user=order.user,
        action=ActivityType.ORDER_PLACED,
        actor=actor,
        details=_details(order, symbol, replayed=True),
    )


def _rule_problem(order: Order, pair: Pair, now: datetime) -> tuple[int, str] | None:
    """The reject code and reason when the order breaks a rule, else None."""
    if order.order_type == OrderType.MARKET and order.stop_price is not None:
        return REJECT_RULE, MARKET_TRIGGER
    try:
        order_check(
            pair=pair,
            side=order.side,
            order_type=order.order_type,
            time_in_force=order.time_in_force,
            amount=order.amount,
            price=order.price,
            quote_amount=order.quote_amount,
            stop_price=order.stop_price,
        )
    except OrderAmountMissingError as exc:
        if order.order_type == OrderType.MARKET:
            return REJECT_AMOUNTS, exc.message
        return REJECT_RULE, exc.check_failed
    except OrderRuleError as exc:
        return REJECT_RULE, exc.check_failed
    if order.quote_amount is not None and order.side != Side.BUY:
        return REJECT_RULE, "amountCcy2 check failed: only market buys may give the amount in quote"
    if order.time_in_force == TimeInForce.GTD:
        if order.expire_at is None:
            return REJECT_RULE, "expireTime check failed: GTD orders need expireTime"
        if order.expire_at <= now:
            return REJECT_RULE, "expireTime check failed: expireTime is in the past"
    window = settings.TRADING_CLIENT_TIMESTAMP_WINDOW_S
    if order.client_created_at is not None and abs(now - order.client_created_at) > timedelta(
        seconds=window
    ):
        return REJECT_RULE, f"timestamp check failed: not within {window} seconds of server time"
    return None


# --- the books the matcher keeps between batches ------------------------------------------------------


@dataclass(slots=True)
class PairBook:
    """One pair's book in memory (the pure core's engine) with the rows of its open orders and its market state
    row (only the pair's writer changes either), as of the pair's command number `seq`. `pair` is the one Pair
    object every row refers to (refreshed each batch)."""

    pair: Pair
    engine: PairEngine
    rows: dict[int, Order]
    state: PairState
    seq: int
    # The pair's last candle rows (`market.Market.candles`) and `BookFeed` row, as the batch before left them.
    candles: dict[tuple[str, datetime], Any] = field(default_factory=dict)
    feed: Any = None


class Books:
    """The books a matcher owns. `keep`: keep each between batches while the pair's last command number in the
    database is still the one it reflects (a matcher process, the pairs' one writer); else rebuild each batch's
    books from the database (the embedded matcher, whose database tests also change by hand and roll back)."""

    def __init__(self, *, keep: bool) -> None:
        self.keep = keep
        self._books: dict[int, PairBook] = {}
        # Kept too: the fees account never changes once created, nor does a sub-account (name, owner) once
        # made; the door checks what may change (the owner's verification level).
        self.fees_account_id = 0
        self.accounts: dict[tuple[int, str], Any] = {}

    def get(self, pair: Pair, seq: int) -> PairBook:
        spec = pair_spec(pair)
        book = self._books.get(pair.pk) if self.keep else None
        if book is None or book.seq != seq:
            book = _load(pair, spec, market.pair_state(pair), seq)
            if self.keep:
                self._books[pair.pk] = book
        else:
            book.engine.spec = spec  # the pair's rules may have changed (open-order cap, lot size)
            _refresh(book.pair, pair)
        return book

    def drop(self, pair_ids: Iterable[int]) -> None:
        """Forget these books (a batch that wrote them failed): the next batch rebuilds them."""
        for pair_id in pair_ids:
            self._books.pop(pair_id, None)


def _refresh(kept: Pair, fresh: Pair) -> None:
    """Give the pair object the book's rows refer to the values just read under the pair's lock."""
    for column in Pair._meta.concrete_fields:
        setattr(kept, column.attname, getattr(fresh, column.attname))
    kept._state.fields_cache.update(fresh._state.fields_cache)


def pair_spec(pair: Pair) -> PairSpec:
    fee = pair.fee_currency
    return PairSpec(
        symbol=pair.symbol,
        base=pair.base_id,
        quote=pair.quote_id,
        quote_places=pair.quote.precision,
        fee_currency=fee.pk,
        fee_places=fee.precision,
        lot_size=pair.lot_size,
        max_open_orders=settings.TRADING_MAX_OPEN_ORDERS,
        stop_cascade=MAX_STOP_CASCADE,
    )


def _load(pair: Pair, spec: PairSpec, state: PairState, seq: int) -> PairBook:
    """The pair's open orders from the database into a fresh engine: resting ones in time priority, waiting
    stops in placement order."""
    engine = PairEngine(spec, last_price=state.last_price)
    rows = list(Order.objects.filter(OPEN, pair_id=pair.pk).select_related("account"))
    resting = sorted((r for r in rows if r.is_triggered), key=lambda r: (r.rested_at, r.pk))
    waiting = sorted((r for r in rows if not r.is_triggered), key=lambda r: (r.created_at, r.pk))
    rows = resting + waiting
    engine.load(_core_order(row) for row in rows)
    for row in rows:
        row.pair = pair
    return PairBook(pair, engine, {row.pk: row for row in rows}, state, seq)


def _core_order(row: Order) -> CoreOrder:
    return CoreOrder(
        row.pk,
        row.user_id,
        row.account_id,
        CoreSide(row.side),
        CoreType(row.order_type),
        CoreTIF(row.time_in_force),
        row.price,
        row.stop_price,
        row.amount,
        row.quote_amount,
        row.maker_rate,
        row.taker_rate,
        row.expire_at,
        row.remaining,
        row.executed_amount,
        row.executed_quote,
        row.fee_amount,
        row.hold_currency_id,
        row.hold_initial,
        row.hold_remaining,
        CoreStatus(OrderStatus.NEW if row.status == OrderStatus.PENDING_NEW else row.status),
        row.is_triggered,
    )


# --- one batch ----------------------------------------------------------------------------------------


class _Funds:
    """The core's view of the balances (`trading.core.engine.Funds`): the rows the batch read (no lock: its
    journal re-checks them when it writes), with the batch's changes. A fee's grant counts as spent until the
    command's trades are posted (`settled`)."""

    def __init__(self, batch: "Batch") -> None:
        self._batch = batch
        self._granted: dict[BalanceKey, Decimal] = defaultdict(Decimal)

    def reserve(self, account_id: int, currency: str, amount: Decimal) -> bool:
        key = (account_id, currency)
        self._batch.read({key})
        return self._batch.journal.hold(key, amount, cause=self._batch.placing)

    def take(self, account_id: int, currency: str, amount: Decimal) -> Decimal:
        key = (account_id, currency)
        self._batch.read({key})
        available = self._batch.journal.available(key) - self._granted[key]
        granted = min(amount, max(available, ZERO))
        self._granted[key] += granted
        return granted

    def settled(self) -> None:
        self._granted.clear()


@dataclass(slots=True)
class _Pass:
    """The fills of one taker's matching pass, for its `order.filled` rows: per order (amount, value, trades),
    in the order the orders first traded."""

    taker_id: int
    actor: Actor
    fills: dict[int, list[Any]] = field(default_factory=dict)


class Batch:
    """The writes of one matcher batch (see the module docstring). The runner calls, inside the batch's durable
    transaction: `lock_pairs`, `open` (load the books, read what the commands need), `run` for each command,
    `flush` (every write), then `reply` for each command's final answer, and after the commit `committed`."""

    def __init__(self, books: Books) -> None:
        self.books = books
        self.pairs: dict[str, Pair] = {}
        self.open_books: dict[str, PairBook] = {}
        self.markets: dict[str, market.Market] = {}
        self.journal = Journal({})
        self.funds = _Funds(self)
        self.placing: int | None = None  # the order whose hold the core is reserving
        self.fees: FeeQuotes  # the placers' rates, read at `open`
        self._accounts: dict[tuple[int, str], Any] = {}
        self._fees_account_id = 0
        self._ids: Iterator[int] = iter(())
        self._earlier: dict[tuple[int, str], Order] = {}
        self._new: dict[int, Order] = {}
        self._changed: dict[int, Order] = {}
        self._trades: list[Trade] = []
        self._reply_trades: dict[str, list[Trade]] = {}

    # --- opening ------------------------------------------------------------------------------------

    def lock_pairs(self, symbols: Iterable[str]) -> list[Pair]:
        """Lock the batch's pairs, in symbol order (unknown symbols are skipped)."""
        for symbol in sorted(set(symbols)):
            try:
                self.pairs[symbol] = pair_loaded(symbol=symbol, lock=True)
            except PairNotFoundError:
                continue
        return list(self.pairs.values())

    def open(self, commands: Sequence[MatcherCommand], seqs: Mapping[str, int]) -> None:
        """Load each locked pair's book as of its last command number `seqs[symbol]`; read the accounts, the
        fees account and the earlier orders of the batch's clientOrderIds; allocate the new orders' ids; read
        the placers' fee rates (one cache round trip: `fees.selectors.FeeQuotes`) and the balances the placements
        reserve from (one query, no lock: the journal re-checks them at `flush`)."""
        for symbol, pair in self.pairs.items():
            book = self.open_books[symbol] = self.books.get(pair, seqs[symbol])
            book.engine.funds = self.funds
            self.pairs[symbol] = book.pair
            self.markets[symbol] = market.Market(book.pair, book.state, book.candles)
        places = [c for c in commands if isinstance(c, PlaceOrder) and c.symbol in self.pairs]
        named = {(c.user_id, c.account) for c in places}
        known = self.books.accounts
        self._accounts = {key: known[key] for key in named if key in known}
        self._accounts.update(order_accounts(named - known.keys()))
        if self.books.keep:
            known.update(self._accounts)
        self._ids = iter(next_ids(Order, len(places)))
        self.fees = FeeQuotes((c.user_id, c.at) for c in places)
        keys = {(self.fees_account_id(), pair.fee_currency_id) for pair in self.pairs.values()}
        for command in places:
            account = self._accounts.get((command.user_id, command.account))
            if account is not None:
                pair = self.pairs[command.symbol]
                keys |= {(account.pk, pair.base_id), (account.pk, pair.quote_id)}
        self.read(keys)
        dedupe = {(c.user_id, c.dedupe_key) for c in places if c.dedupe_key}
        if dedupe:
            user_id, key = quoted_column(Order, "user"), quoted_column(Order, "dedupe_key")
            pairs = ", ".join(["(%s, %s)"] * len(dedupe))
            wanted = f"WHERE ({user_id}, {key}) IN ({pairs})"
            for row in select_rows(
                Order, wanted, [value for item in sorted(dedupe) for value in item]
            ):
                assert row.dedupe_key is not None
                self._earlier[(row.user_id, row.dedupe_key)] = row

    def fees_account_id(self) -> int:
        if not self._fees_account_id:
            self._fees_account_id = self.books.fees_account_id or fees_account().pk
            if self.books.keep:
                self.books.fees_account_id = self._fees_account_id
        return self._fees_account_id

    def read(self, keys: set[BalanceKey]) -> None:
        """Read the balances the batch decides on, without a lock (`ledger.posting.Journal`)."""
        missing = keys - self.journal.balances.keys()
        if missing:
            self.journal.balances.update(read_balances(missing))

    def _book(self, symbol: str) -> PairBook:
        book = self.open_books.get(symbol)
        if book is None:
            raise PairNotFoundError(f"Unsupported pair {symbol}", details={"pair": symbol})
        return book

    # --- running ------------------------------------------------------------------------------------

    def run(self, command: MatcherCommand, seq: int | None) -> tuple[Reply, bool]:
        """Run one command (number `seq` of its pair) in memory; its writes wait for `flush`. Returns the reply
        (its trades' ids are known after `flush`: `reply`) and whether `TriggerStops` must follow. A domain
        error is raised before anything changed."""
        if isinstance(command, PlaceOrder):
            return self._place(command, seq)
        book = self._book(command.symbol)
        pair = self.pairs[command.symbol]
        if isinstance(command, CancelOrder):
            row = book.rows.get(command.order_id)
            if row is None or row.user_id != command.user_id:
                found = Order.objects.filter(
                    pk=command.order_id, user_id=command.user_id, pair_id=pair.pk
                ).first()
                if found is None:
                    raise OrderNotFoundError(details={"order_id": command.order_id})
                raise OrderFinalError(details={"order_id": found.pk, "status": found.status})
            if pair.status == PairStatus.HALTED:
                raise OrderCancelNotAllowedError(details={"pair": pair.symbol})
            if command.cancel_request_id is not None:
                events.order_changed(
                    row, events.PENDING_CANCEL, cancel_request_id=command.cancel_request_id
                )
            core_command: Any = Cancel(command.id, command.at, command.order_id, command.user_id)
        elif isinstance(command, CancelAll):
            if pair.status == PairStatus.HALTED:
                return Reply(command.id), False
            accounts = None if command.account_ids is None else frozenset(command.account_ids)
            core_command = CoreCancelAll(command.id, command.at, command.user_id, accounts)
        elif isinstance(command, ExpireDue):
            core_command = CoreExpireDue(command.id, command.at)
        else:
            core_command = CoreTriggerStops(command.id, command.at)
        result = book.engine.apply(core_command)
        done = self._written(book, result, command, seq)
        if isinstance(command, CancelOrder):
            return Reply(command.id, order_ids=(command.order_id,)), False
        if isinstance(command, CancelAll):
            return Reply(command.id, order_ids=tuple(done.removed)), False
        if isinstance(command, ExpireDue):
            return Reply(command.id, order_ids=tuple(done.removed), count=len(done.removed)), False
        return Reply(command.id, count=done.triggered), result.stops_pending

    def _place(self, cmd: PlaceOrder, seq: int | None) -> tuple[Reply, bool]:
        book = self._book(cmd.symbol)
        pair = self.pairs[cmd.symbol]
        account = self._accounts.get((cmd.user_id, cmd.account))
        if account is None:
            raise AccountNotFoundError(
                f"Account {cmd.account} does not exist", details={"account": cmd.account}
            )
        if cmd.dedupe_key:
            prior = self._earlier.get((cmd.user_id, cmd.dedupe_key))
            if prior is not None:
                if prior.fingerprint != cmd.fingerprint:
                    raise ClientOrderIdConflictError(
                        f"clientOrderId {cmd.client_order_id} was already used with different parameters",
                        details={"client_order_id": cmd.client_order_id, "order_id": prior.pk},
                    )
                replayed(prior, cmd.symbol, cmd.actor)
                return Reply(cmd.id, order_ids=(prior.pk,), replayed=True), False
        now = cmd.at
        order = Order(
            id=next(self._ids),
            user=account.user,
            account=account,
            pair=pair,
            client_order_id=cmd.client_order_id,
            dedupe_key=cmd.dedupe_key,
            fingerprint=cmd.fingerprint,
            side=cmd.side,
            order_type=cmd.order_type,
            time_in_force=cmd.time_in_force,
            status=OrderStatus.NEW,
            price=cmd.price,
            stop_price=cmd.stop_price,
            amount=cmd.amount,
            quote_amount=cmd.quote_amount,
            remaining=cmd.amount or ZERO,
            expire_at=cmd.expire_at,
            client_created_at=cmd.client_created_at,
            comment=cmd.comment,
            fee_currency_id=pair.fee_currency_id,
            created_at=now,
            updated_at=now,
            seq=seq,
        )
        if cmd.dedupe_key:
            self._earlier[(cmd.user_id, cmd.dedupe_key)] = order
        problem = _rule_problem(order, pair, now)
        if problem is not None:
            self._reject(order, pair.symbol, *problem, actor=cmd.actor)
            return Reply(cmd.id, order_ids=(order.pk,)), False
        rates = self.fees.quote(user_id=order.user_id, pair_id=pair.pk, at=now)
        order.maker_rate, order.taker_rate = rates.maker, rates.taker
        book.rows[order.pk] = order
        self.placing = order.pk
        try:
            result = book.engine.apply(
                Place(
                    cmd.id,
                    now,
                    order.pk,
                    order.user_id,
                    order.account_id,
                    CoreSide(order.side),
                    CoreType(order.order_type),
                    CoreTIF(order.time_in_force),
                    order.amount,
                    order.quote_amount,
                    order.price,
                    order.stop_price,
                    order.expire_at if order.time_in_force == TimeInForce.GTD else None,
                    order.maker_rate,
                    order.taker_rate,
                )
            )
        finally:
            self.placing = None
        done = self._written(book, result, cmd, seq)
        self._reply_trades[cmd.id] = done.trades
        return Reply(cmd.id, order_ids=(order.pk,)), result.stops_pending

    def _reject(self, order: Order, symbol: str, code: int, reason: str, *, actor: Actor) -> None:
        if order.dedupe_key:  # a rejected order binds no clientOrderId: a repeat is placed anew
            self._earlier.pop((order.user_id, order.dedupe_key), None)
        order.status = OrderStatus.REJECTED
        order.reject_code = code
        order.reject_reason = reason[:255]
        order.dedupe_key = None
        order.remaining = ZERO
        order.is_resting = False
        order.hold_currency_id = None
        order.hold_initial = order.hold_remaining = ZERO
        self._new[order.pk] = order
        record(
            user=order.user,
            action=ActivityType.ORDER_REJECTED,
            actor=actor,
            outcome=Outcome.REFUSED,
            details=_details(order, symbol, reject_code=code, reason=order.reject_reason),
            at=order.created_at,
        )
        events.order_changed(order, events.REJECTED)

    # --- from the core's events to rows -------------------------------------------------------------

    def _written(
        self, book: PairBook, result: Result, cmd: MatcherCommand, seq: int | None
    ) -> "_Done":
        """`_persist`, for a command the core has applied: a refusal from here on (the ledger finding funds the
        core was granted missing, say) is a bug, not the command's answer, since the book has already changed;
        it is raised as one, so the runner rolls the batch back and drops the book."""
        try:
            return self._persist(book, result, cmd, seq)
        except DomainError as exc:
            raise WriterError(
                f"{cmd.kind} {cmd.id}: the core's events could not be written"
            ) from exc

    def _persist(
        self,
        book: PairBook,
        result: Result,
        cmd: MatcherCommand,
        seq: int | None,
    ) -> "_Done":
        """Turn one command's events into rows, postings, activity rows and order events (in the order the
        core emitted them), then fold the command into the market data."""
        pair = self.pairs[cmd.symbol]
        symbol, now, rows = pair.symbol, cmd.at, book.rows
        done = _Done()
        actor = cmd.actor
        current: _Pass | None = None
        pending_trade: tuple[Trade, Order, Order] | None = None
        released: dict[int, Decimal] = {}
        taker_report: Order | None = None
        self.read(_keys(result, self.fees_account_id(), pair))
        journal = self.journal
        for event in result.events:
            match event:
                case Trade_():
                    trade = self._trade(event, rows, pair, now, seq)
                    done.trades.append(trade)
                    assert current is not None
                    for order_id, amount, value in (
                        (event.maker_order_id, event.amount, event.quote_amount),
                        (event.taker_order_id, event.amount, event.quote_amount),
                    ):
                        fill = current.fills.setdefault(order_id, [ZERO, ZERO, 0])
                        fill[0] += amount
                        fill[1] += value
                        fill[2] += 1
                    taker = rows[event.taker_order_id]
                    maker = rows[event.maker_order_id]
                    # The taker's own OrderFilled comes after its pass; its reports say where it stands meanwhile.
                    if taker.amount is not None:
                        taker.remaining -= event.amount
                    taker.executed_amount += event.amount
                    taker.executed_quote += event.quote_amount
                    taker.fee_amount += event.taker_fee
                    taker.hold_remaining -= event.sides()[0].from_hold
                    pending_trade = (trade, maker, taker)
                case OrderFilled():
                    row = rows[event.order_id]
                    row.status = OrderStatus(event.status)
                    row.remaining = event.remaining
                    row.executed_amount = event.executed_amount
                    row.executed_quote = event.executed_quote
                    row.fee_amount = event.fee_amount
                    row.hold_remaining = event.hold_remaining
                    if event.status == FILLED:
                        row.is_resting = False
                        done.final.append(row.pk)
                    self._touch(row, now)
                    if pending_trade is not None and pending_trade[1] is row:
                        trade, maker, taker = pending_trade
                        events.order_changed(maker, events.TRADE, trade=trade)
                        taker_report = events.order_changed(taker, events.TRADE, trade=trade)
                        taker_report.status = OrderStatus.PARTIALLY_FILLED
                        pending_trade = None
                    elif taker_report is not None and event.status == FILLED:
                        # The taker's last fill's report is its final one.
                        taker_report.status = OrderStatus.FILLED
                case HoldReleased():
                    row = rows[event.order_id]
                    journal.release((event.account_id, event.currency), event.amount, cause=row)
                    released[event.order_id] = released.get(event.order_id, ZERO) + event.amount
                    row.hold_remaining -= event.amount
                    self._touch(row, now)
                case LevelChanged() | CommandRefused():
                    pass  # the book feed reads the core's levels once per batch; a refusal changed nothing
                case OrderAccepted():
                    row = rows[event.order_id]
                    row.hold_currency_id = event.hold_currency
                    row.hold_initial = row.hold_remaining = event.hold
                    row.is_triggered = event.triggered
                    self._new[row.pk] = row
                    _record_placed(row, symbol, actor)
                    current, taker_report, pending_trade = _Pass(row.pk, actor), None, None
                case StopTriggered():
                    row = rows[event.order_id]
                    row.is_triggered = True
                    self._touch(row, now)
                    self._record_fills(current, rows, symbol, now)
                    current, taker_report, pending_trade = _Pass(row.pk, Actor.system()), None, None
                    done.triggered += 1
                case OrderRested():
                    row = rows[event.order_id]
                    row.is_resting = True
                    row.rested_at = now
                    row.remaining = event.remaining
                    self._touch(row, now)
                case OrderCancelled() | OrderExpired():
                    row = rows[event.order_id]
                    expired = isinstance(event, OrderExpired)
                    row.status = OrderStatus.EXPIRED if expired else OrderStatus.CANCELLED
                    row.is_resting = False
                    done.final.append(row.pk)
                    self._touch(row, now)
                    reason = "expired" if isinstance(event, OrderExpired) else str(event.reason)
                    by_request = reason in ("requested", "cancel_all") or (
                        expired and current is None
                    )
                    if by_request or reason in ("expired", "self_trade_prevention"):
                        done.removed.append(row.pk)
                    staff = (
                        _staff_details(row, cmd.by, released.get(row.pk, ZERO))
                        if isinstance(cmd, CancelOrder)
                        else {}
                    )
                    if current is not None and row.pk == current.taker_id:
                        who = current.actor  # its own rest: a market, IOC or FOK order
                    else:
                        who = actor if by_request else Actor.system()
                    record(
                        user=_user_ref(row.user_id),
                        action=ActivityType.ORDER_EXPIRED
                        if expired
                        else ActivityType.ORDER_CANCELLED,
                        actor=who,
                        details=_details(row, symbol, reason=reason, **staff),
                        at=now,
                    )
                    events.order_changed(
                        row,
                        events.CANCELED,
                        reason=reason,
                        cancel_request_id=getattr(cmd, "cancel_request_id", None),
                    )
                case OrderRejected():
                    row = rows.pop(event.order_id)
                    self._reject(row, symbol, event.code, event.reason, actor=actor)
                case _:
                    raise TypeError(f"unknown event {event!r}")
        self._record_fills(current, rows, symbol, now)
        self.funds.settled()
        for row_id in done.final:
            rows.pop(row_id, None)
        self._trades.extend(done.trades)
        if done.trades:
            events.trades_done(done.trades, pair)
        engine = book.engine
        self.markets[symbol].after(now, (engine.bids.best(), engine.asks.best()), done.trades)
        return done

    def _touch(self, row: Order, now: datetime) -> None:
        row.updated_at = now
        if row.pk not in self._new:
            self._changed[row.pk] = row

    def _trade(
        self, event: Any, rows: dict[int, Order], pair: Pair, now: datetime, seq: int | None
    ) -> Trade:
        maker, taker = rows[event.maker_order_id], rows[event.taker_order_id]
        trade = Trade(
            pair_id=pair.pk,
            maker_order=maker,
            taker_order=taker,
            maker_user_id=maker.user_id,
            taker_user_id=taker.user_id,
            taker_side=taker.side,
            price=event.price,
            amount=event.amount,
            quote_amount=event.quote_amount,
            maker_fee=event.maker_fee,
            taker_fee=event.taker_fee,
            fee_currency_id=pair.fee_currency_id,
            created_at=now,
            seq=seq,
        )
        buyer, seller = (taker, maker) if taker.side == Side.BUY else (maker, taker)
        fee_ccy = pair.fee_currency_id
        fees = []
        for order, fee, from_hold in (
            (taker, event.taker_fee, event.taker_fee_from_hold),
            (maker, event.maker_fee, event.maker_fee_from_hold),
        ):
            if from_hold:
                fees.append(Fee(order.account_id, fee_ccy, from_hold, from_hold=True))
            if fee - from_hold:
                fees.append(Fee(order.account_id, fee_ccy, fee - from_hold))
        settle_fill(
            self.journal,
            buyer_account_id=buyer.account_id,
            seller_account_id=seller.account_id,
            base=pair.base_id,
            quote=pair.quote_id,
            base_amount=event.amount,
            quote_amount=event.quote_amount,
            fees=fees,
            fees_account_id=self.fees_account_id(),
            at=now,
            reference=f"order:{taker.pk}",
            description=f"Trade {pair.symbol}: order {buyer.pk} buys from order {seller.pk}",
            details={
                "maker_order": maker.pk,
                "taker_order": taker.pk,
                "price": format(event.price, "f"),
            },
        )
        return trade

    def _record_fills(
        self, current: "_Pass | None", rows: dict[int, Order], symbol: str, now: datetime
    ) -> None:
        """One `order.filled` row per order that got fills in the pass: the taker's by the pass's actor, the
        makers' by the system (their owners did nothing just now)."""
        if current is None:
            return
        for order_id, (amount, value, count) in current.fills.items():
            order = rows[order_id]
            is_taker = order_id == current.taker_id
            record(
                user=_user_ref(order.user_id),
                action=ActivityType.ORDER_FILLED,
                actor=current.actor if is_taker else Actor.system(),
                details=_details(
                    order,
                    symbol,
                    filled=format(amount, "f"),
                    value=format(value, "f"),
                    trades=count,
                    role="taker" if is_taker else "maker",
                ),
                at=now,
            )
        current.fills.clear()

    # --- writing ------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the batch: new orders (in their final state), changed orders, trades, the journal and the
        balances, the market data, and each touched book's feed. Call once, inside the transaction."""
        insert_rows(Order, list(self._new.values()))
        update_rows(
            Order, [row for pk, row in self._changed.items() if pk not in self._new], ORDER_CHANGES
        )
        for trade, trade_id in zip(self._trades, next_ids(Trade, len(self._trades)), strict=True):
            trade.pk = trade_id
        insert_rows(Trade, self._trades)
        self.journal.write()
        for symbol, book in self.open_books.items():
            self.markets[symbol].write()
            engine = book.engine
            depth = settings.TRADING_BOOK_FEED_DEPTH or None
            book.candles = self.markets[symbol].candles
            with scoped(symbol):
                book.feed = events.book_changed(
                    self.pairs[symbol],
                    levels=(engine.bids.depth(depth), engine.asks.depth(depth)),
                    feed=book.feed,
                )
        self._new.clear()
        self._changed.clear()
        self._trades = []

    def committed(self, seqs: Mapping[str, int]) -> None:
        """The batch is written: each kept book now reflects its pair's command number `seqs[symbol]`."""
        for symbol, book in self.open_books.items():
            book.seq = seqs[symbol]

    def reply(self, reply: Reply) -> Reply:
        """The command's final answer, with the ids of the trades it made (known once flushed)."""
        trades = self._reply_trades.get(reply.command_id)
        if not trades:
            return reply
        return dataclasses.replace(reply, trade_ids=tuple(trade.pk for trade in trades))


@dataclass(slots=True)
class _Done:
    """What one command did, for its reply: its trades, the orders it took off (cancelled or expired), how many
    stops it triggered; and the orders that ended final (the book's rows forget them)."""

    trades: list[Trade] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    triggered: int = 0
    final: list[int] = field(default_factory=list)


def _keys(result: Result, fees_account_id: int, pair: Pair) -> set[BalanceKey]:
    """The balances a command's events post to, beyond those it reserved from (locked already)."""
    keys: set[BalanceKey] = set()
    for event in result.events:
        if type(event) is Trade_:
            for account_id in (event.maker_account_id, event.taker_account_id):
                keys |= {(account_id, pair.base_id), (account_id, pair.quote_id)}
            keys.add((fees_account_id, pair.fee_currency_id))
        elif type(event) is HoldReleased:
            keys.add((event.account_id, event.currency))
    return keys


ORDER_CHANGES = (
    "status",
    "is_resting",
    "is_triggered",
    "rested_at",
    "remaining",
    "executed_amount",
    "executed_quote",
    "fee_amount",
    "hold_remaining",
    "updated_at",
)


def _record_placed(order: Order, symbol: str, actor: Actor) -> None:
    details = _details(
        order,
        symbol,
        amount=None if order.amount is None else format(order.amount, "f"),
        quote_amount=None if order.quote_amount is None else format(order.quote_amount, "f"),
        price=None if order.price is None else format(order.price, "f"),
        stop_price=None if order.stop_price is None else format(order.stop_price, "f"),
        time_in_force=order.time_in_force,
        account=order.account.name,
    )
    record(
        user=order.user,
        action=ActivityType.ORDER_PLACED,
        actor=actor,
        details=details,
        at=order.created_at,
    )
    events.order_changed(order, events.NEW)


# --- activity rows -------------------------------------------------------------------------------


def _user_ref(user_id: int):  # type: ignore[no-untyped-def]
    """A user instance good enough for a foreign key, without a query."""
    return get_user_model()(pk=user_id)


def _details(order: Order, symbol: str, **extra: object) -> dict[str, object]:
    details: dict[str, object] = {
        "order_id": order.pk,
        "client_order_id": order.client_order_id,
        "pair": symbol,
        "side": order.side,
        "type": order.order_type,
        "status": order.status,
    }
    details.update(extra)
    return {key: value for key, value in details.items() if value is not None}


def _staff_details(order: Order, by: str, released: Decimal) -> dict[str, object]:
    if not by:
        return {}
    amounts = {
        "amount": order.amount,
        "price": order.price,
        "executed_amount": order.executed_amount,
        "released": released,
        "released_currency": order.hold_currency_id,
    }
    return {
        "by": by,
        **{k: plain_amount(v) if isinstance(v, Decimal) else v for k, v in amounts.items()},
    }
