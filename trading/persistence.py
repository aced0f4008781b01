"""The one writer of trading: runs one matcher command against the database, inside the matcher's batch
transaction (`trading.matcher.runner` opens it, with a savepoint per command). Nothing else writes orders,
trades, holds or the market data of a pair; the doors (`trading.services`) only read and submit commands.

Locking (every command): the pair's lock FIRST (`select_for_update` on the `conditions.Pair` row: the runner
takes it once per batch, so a second matcher that owned the same pair by mistake would wait, not corrupt),
then every balance the command touches in ONE `ledger.locking.lock_balances` call (ascending (account,
currency), the order every ledger writer uses), then the 30-day volume buckets in ascending user id. Waits are
bounded by the batch's `lock_timeout`. Matching, settlement, market data and activity rows of a command commit
together with its batch or not at all. `engine.py` holds the planning, settlement and market-data helpers; every
activity row trading writes is written here.

Decisions:
- Self-trade prevention: when an incoming order meets a resting order of the same user (any of their accounts),
  the RESTING order is cancelled (its hold released, `order.cancelled` with reason `self_trade_prevention`) and
  the incoming order goes on matching. No trade between one user's orders ever happens.
- `clientOrderId` is unique per user for 24 h (`TRADING_CLIENT_ORDER_ID_TTL_S`): the order carries it in
  `dedupe_key`, under a unique (user, dedupe_key) constraint. The door answers a repeat from the database
  (`earlier`); a repeat that reaches the matcher before the first committed meets the constraint and is
  answered with the first order (`replayed`), or refused (`ClientOrderIdConflictError`) with other parameters.
  After 24 h the id is released (lazily when it comes again, and by the periodic task).
- Rejections (trading rules, insufficient funds, too many open orders) are not errors: the order is stored with
  status REJECTED, `reject_code` and `reject_reason` (protocol §4.6), recorded as `order.rejected`, and
  returned.
- Too many open orders: at most `TRADING_MAX_OPEN_ORDERS` open orders per account and pair, exact because one
  writer owns the pair.
- FOK fills completely at once or is cancelled with nothing filled; IOC and market orders cancel what they could
  not fill (status CANCELLED, executed amounts > 0 when partly filled). Market orders on an empty book end
  CANCELLED with nothing filled.
- Stop Limit: triggered by the last trade price (BUY when last >= stopPrice, SELL when last <= stopPrice), at
  placement if the condition already holds, otherwise by the `TriggerStops` command that follows, in the same
  batch, every command that traded while stops waited; it then acts as a limit order. Its funds are held from
  placement.
"""

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, models
from django.db.models import Q

from activities.actor import Actor
from activities.models import ActivityType, Outcome
from activities.services import record
from common.events import scoped
from common.models import quoted_column
from common.money import plain_amount
from conditions.errors import OrderAmountMissingError, OrderRuleError, PairNotFoundError
from conditions.models import Currency, Pair, PairStatus
from conditions.validation import order_check
from fees.selectors import current_fee
from ledger.settlement import (
    BalanceKey,
    InsufficientFundsError,
    fees_account,
    hold_increase,
    lock_balances,
    order_account,
)
from trading import engine, events
from trading.core.engine import (
    INSUFFICIENT_FUNDS,
    MARKET_TRIGGER,
    REJECT_AMOUNTS,
    REJECT_FUNDS,
    REJECT_RULE,
    REJECT_TOO_MANY,
    TOO_MANY_ORDERS,
)
from trading.errors import (
    ClientOrderIdConflictError,
    OrderCancelNotAllowedError,
    OrderFinalError,
    OrderNotFoundError,
)
from trading.matcher.commands import (
    CancelAll,
    CancelOrder,
    ExpireDue,
    PlaceOrder,
    Reply,
    TriggerStops,
    command_seq,
)
from trading.models import (
    OPEN,
    OPEN_STATUSES,
    Order,
    OrderStatus,
    OrderType,
    PairState,
    Side,
    TimeInForce,
    Trade,
)

# The reject codes and texts (protocol §4.6, imported above) are the pure core's: one set for both engines.
MAX_STOP_CASCADE = 100


@dataclass(slots=True)
class _Batch:
    """What the commands of one batch share: the pairs the runner locked at its start (each locked once, outside
    any command's savepoint, so no rollback of a command releases it), and the books they touched, whose feed is
    diffed and published once per batch."""

    locked: dict[str, Pair] = field(default_factory=dict)
    touched: dict[int, tuple[Pair, datetime]] = field(default_factory=dict)


_batch: ContextVar[_Batch | None] = ContextVar("trading_batch", default=None)


@contextmanager
def batch() -> Iterator[Callable[[], None]]:
    """The scope of one matcher batch (see `_Batch`). The yielded `flush` publishes each touched book's change
    once (`events.book_changed`: one `seq` per book per batch); call it inside the batch's transaction, under the
    pairs' locks. Outside such a block every command locks its pair and publishes its own change."""
    current = _Batch()
    token = _batch.set(current)

    def flush() -> None:
        for pair, now in current.touched.values():
            with scoped(pair.symbol):
                events.book_changed(pair, now=now)
        current.touched.clear()

    try:
        yield flush
    finally:
        _batch.reset(token)


def lock_pairs(symbols: list[str]) -> list[Pair]:
    """Lock the pairs of a batch at its start (call it inside `batch()`, outside any savepoint), in symbol order;
    unknown symbols are skipped. The batch's commands then find them locked."""
    current = _batch.get()
    found = []
    for symbol in sorted(symbols):
        try:
            pair = _lock_pair_row(symbol=symbol)
        except PairNotFoundError:
            continue
        if current is not None:
            current.locked[symbol] = pair
        found.append(pair)
    return found


def _book_touched(pair: Pair, now: datetime) -> None:
    current = _batch.get()
    if current is None:
        events.book_changed(pair, now=now)
    else:
        current.touched[pair.pk] = (pair, now)


class DuplicateClientOrderId(Exception):
    """A concurrent order with the same clientOrderId committed first: roll the command back, then answer it
    with `replayed`."""


class ExpiredClientOrderId(Exception):
    """The order holding this clientOrderId is past the dedupe window: the door releases the id in a
    transaction of its own (that order's row lock, nothing else held, so it cannot close a cycle with a fill),
    then submits the order."""

    def __init__(self, order_id: int) -> None:
        super().__init__(order_id)
        self.order_id = order_id


def lock_pair(*, symbol: str) -> Pair:
    """The pair, locked: by the batch already (see `lock_pairs`), else now."""
    current = _batch.get()
    if current is not None and symbol in current.locked:
        return current.locked[symbol]
    return _lock_pair_row(symbol=symbol)


def _lock_pair_row(*, symbol: str) -> Pair:
    """The pair row, locked (the per-pair matching lock), with its currencies joined. Raises
    `PairNotFoundError`.

    The lock is on the pair row only. Rows joined into a locking query that had to wait come from the
    snapshot taken before the wait (PostgreSQL READ COMMITTED re-reads only the locked row): fine for the
    currencies, wrong for anything the previous lock holder changed, so the market state is read separately,
    after the lock (`engine.pair_state`).
    """
    # Written out as SQL, and the currencies in a second query by primary key: compiling the ORM form (a
    # locking query joined to three currencies) costs several times what both queries take to run. The
    # currencies are read after the lock, as the joined rows were.
    table = connection.ops.quote_name(Pair._meta.db_table)
    sql = f"SELECT * FROM {table} WHERE {quoted_column(Pair, 'symbol')} = %s"  # noqa: S608 - model names
    # SQLite has no row locks: its IMMEDIATE transactions serialise writers.
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    found = next(iter(Pair.objects.raw(sql, [symbol])), None)
    if found is not None:
        codes = {found.base_id, found.quote_id, found.fee_currency_id}
        marks = ", ".join(["%s"] * len(codes))
        currency_sql = (
            f"SELECT * FROM {connection.ops.quote_name(Currency._meta.db_table)}"  # noqa: S608
            f" WHERE {quoted_column(Currency, 'code')} IN ({marks})"
        )
        currencies = {row.pk: row for row in Currency.objects.raw(currency_sql, sorted(codes))}
        for name in ("base", "quote", "fee_currency"):
            field = Pair._meta.get_field(name)
            assert isinstance(field, models.ForeignKey)
            currency = currencies[getattr(found, field.attname)]
            field.set_cached_value(found, currency)
    if found is None:
        raise PairNotFoundError(f"Unsupported pair {symbol}", details={"pair": symbol})
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
) -> Order | None:
    """The order that still holds this clientOrderId, if it is a retry of the same order.

    Raises `ClientOrderIdConflictError` for other parameters. An id older than the dedupe window is released.
    """
    earlier = Order.objects.filter(user=user, dedupe_key=client_order_id).first()
    if earlier is None:
        return None
    if earlier.created_at <= now - timedelta(seconds=settings.TRADING_CLIENT_ORDER_ID_TTL_S):
        # Not released here: this runs before the pair lock, and writing the order row now would hold its
        # lock while waiting for the pair's, against a fill that holds the pair's and waits for the row.
        raise ExpiredClientOrderId(earlier.pk)
    if earlier.fingerprint != fingerprint:
        raise ClientOrderIdConflictError(
            f"clientOrderId {client_order_id} was already used with different parameters",
            details={"client_order_id": client_order_id, "order_id": earlier.pk},
        )
    return earlier


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


def _insert(order: Order) -> None:
    # On a duplicate clientOrderId PostgreSQL makes this INSERT wait for the other order's transaction, then
    # fail: the runner rolls the command's savepoint back and answers with that order.
    order.seq = command_seq()
    try:
        order.save(force_insert=True)
    except IntegrityError as exc:
        text = str(exc)
        if order.dedupe_key and ("trading_order_client_id_unique" in text or "dedupe_key" in text):
            raise DuplicateClientOrderId from exc
        raise


def _reject(order: Order, *, symbol: str, code: int, reason: str, actor: Actor) -> Order:
    order.status = OrderStatus.REJECTED
    order.reject_code = code
    order.reject_reason = reason[:255]
    order.dedupe_key = None
    order.remaining = Decimal(0)
    order.is_resting = False
    order.hold_currency_id = None
    order.hold_initial = order.hold_remaining = Decimal(0)
    order.seq = command_seq()
    order.save(force_insert=True)
    record(
        user=order.user,
        action=ActivityType.ORDER_REJECTED,
        actor=actor,
        outcome=Outcome.REFUSED,
        details=_details(order, symbol, reject_code=code, reason=order.reject_reason),
        at=order.created_at,
    )
    events.order_changed(order, events.REJECTED)
    return order


def _state_and_open_count(pair: Pair, account_id: int) -> tuple[PairState, int, bool | None]:
    """The pair's state row, the account's open orders on the pair and whether untriggered stop orders wait
    on the pair (None: not known), in one query after the pair's lock (so all are current, see `lock_pair`).

    Written out as SQL: compiling the ORM form (a subquery annotation) costs several times what it takes to run.
    """
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    table, pair_col, status_col = (
        Order._meta.db_table,
        quoted_column(Order, "pair"),
        quoted_column(Order, "status"),
    )
    # Identifiers come from the models' metadata; every value is a parameter.
    sql = (
        f"SELECT s.*, (SELECT COUNT(*) FROM {table} o"  # noqa: S608
        f" WHERE o.{quoted_column(Order, 'account')} = %s AND o.{pair_col} = %s"
        f" AND o.{status_col} IN ({statuses})) AS open_orders,"
        f" EXISTS(SELECT 1 FROM {table} t WHERE t.{pair_col} = %s AND t.{status_col} IN ({statuses})"
        f" AND NOT t.{quoted_column(Order, 'is_triggered')}) AS stops_waiting"
        f" FROM {PairState._meta.db_table} s WHERE s.{quoted_column(PairState, 'pair')} = %s"
    )
    params = [account_id, pair.pk, *OPEN_STATUSES, pair.pk, *OPEN_STATUSES, pair.pk]
    state = next(iter(PairState.objects.raw(sql, params)), None)
    if state is not None:
        return state, state.open_orders, bool(state.stops_waiting)  # type: ignore[attr-defined]
    count = Order.objects.filter(OPEN, account_id=account_id, pair_id=pair.pk).count()
    return engine.pair_state(pair), count, None


def _stop_met(side: str, stop_price: Decimal | None, last: Decimal | None) -> bool:
    if stop_price is None or last is None:
        return False
    return last >= stop_price if side == Side.BUY else last <= stop_price


def place(cmd: PlaceOrder) -> tuple[Reply, bool]:
    """Match and store a new order. Returns the reply and whether stop orders wait on the pair after it traded
    (the runner then runs `TriggerStops` next, in the same batch). Raises `DuplicateClientOrderId` when the
    clientOrderId was taken meanwhile (the runner rolls the command back and answers with `replayed`)."""
    now = cmd.at
    actor = cmd.actor
    symbol = cmd.symbol
    account, known_fees_id = order_account(user_id=cmd.user_id, name=cmd.account)
    order = Order(
        user=account.user,
        account=account,
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
        remaining=cmd.amount or Decimal(0),
        expire_at=cmd.expire_at,
        client_created_at=cmd.client_created_at,
        comment=cmd.comment,
        created_at=now,
        updated_at=now,
    )
    pair = lock_pair(symbol=symbol)
    order.pair = pair
    order.fee_currency_id = pair.fee_currency_id
    problem = _rule_problem(order, pair, now)
    if problem is not None:
        _reject(order, symbol=symbol, code=problem[0], reason=problem[1], actor=actor)
        return _placed(cmd, order), False
    rests = order.order_type != OrderType.MARKET and order.time_in_force in (
        TimeInForce.GTC,
        TimeInForce.GTD,
    )
    stops_known: bool | None = None
    if rests:
        state, open_count, stops_known = _state_and_open_count(pair, order.account_id)
        if open_count >= settings.TRADING_MAX_OPEN_ORDERS:
            _reject(order, symbol=symbol, code=REJECT_TOO_MANY, reason=TOO_MANY_ORDERS, actor=actor)
            return _placed(cmd, order), False
    rates = current_fee(user=order.user, pair=pair, at=now)
    order.maker_rate, order.taker_rate = rates.maker, rates.taker
    fee_places = pair.fee_currency.precision
    if not rests:
        state = engine.pair_state(pair)

    waiting_stop = order.order_type == OrderType.STOP_LIMIT and not _stop_met(
        order.side, order.stop_price, state.last_price
    )
    plan = (
        engine.Plan()
        if waiting_stop
        else engine.plan_match(taker=order, pair=pair, now=now, state=state)
    )
    if order.time_in_force == TimeInForce.FOK and plan.book_exhausted:
        order.status = OrderStatus.CANCELLED
        _insert(order)
        _record_placed(order, symbol, actor)
        _record_cancelled(order, symbol, actor, reason="fill_or_kill", now=now)
        return _placed(cmd, order), False

    currency, hold = engine.hold_for(order=order, pair=pair, plan=plan, fee_places=fee_places)
    balances, fees_account_id = _lock_match_balances(
        order, pair, plan, hold_currency=currency, fees_id=known_fees_id
    )
    if not _hold(order, balances, currency, hold):
        _reject(order, symbol=symbol, code=REJECT_FUNDS, reason=INSUFFICIENT_FUNDS, actor=actor)
        return _placed(cmd, order), False
    if waiting_stop:
        order.is_triggered = False
        _insert(order)
        _record_placed(order, symbol, actor)
        return _placed(cmd, order), False
    outcome = _run(
        order,
        new=True,
        pair=pair,
        state=state,
        plan=plan,
        balances=balances,
        fees_account_id=fees_account_id,
        actor=actor,
        now=now,
        stops_known=stops_known,
    )
    return _placed(cmd, order, outcome.trades), outcome.stops_waiting


def _lock_match_balances(
    taker: Order,
    pair: Pair,
    plan: engine.Plan,
    *,
    hold_currency: str,
    also: str | None = None,
    fees_id: int | None = None,
) -> tuple[Any, int]:
    """Lock, in one `lock_balances` call, every balance a match touches: the taker's `hold_currency` (and
    `also`), its base and quote when it trades, each maker's base and quote, and the fees account's fee currency
    when anything fills. Returns the locked balances and the fees account's id (0 when nothing fills)."""
    keys: set[BalanceKey] = {(taker.account_id, hold_currency)}
    if also is not None:
        keys.add((taker.account_id, also))
    if plan.steps:
        keys.update({(taker.account_id, pair.base_id), (taker.account_id, pair.quote_id)})
    for account_id in plan.maker_account_ids():
        keys.update({(account_id, pair.base_id), (account_id, pair.quote_id)})
    fees_account_id = 0
    if plan.fills:
        fees_account_id = fees_id or fees_account().pk
        keys.add((fees_account_id, pair.fee_currency_id))
    return lock_balances(keys), fees_account_id


def _placed(cmd: PlaceOrder, order: Order, trades: list[Trade] | tuple[Trade, ...] = ()) -> Reply:
    return Reply(cmd.id, order_ids=(order.pk,), trade_ids=tuple(trade.pk for trade in trades))


def _hold(order: Order, balances: Any, currency: str, amount: Decimal) -> bool:
    """Put `amount` on hold for the order; False when the funds are not there (nothing changed then)."""
    order.hold_currency_id = currency
    if amount > 0:
        try:
            hold_increase(
                balances=balances,
                account_id=order.account_id,
                currency_id=currency,
                amount=amount,
                cause=order,
            )
        except InsufficientFundsError:
            return False
    order.hold_initial = order.hold_remaining = amount
    return True


def _run(
    order: Order,
    *,
    new: bool,
    pair: Pair,
    state: PairState,
    plan: engine.Plan,
    balances: Any,
    fees_account_id: int,
    actor: Actor,
    now: datetime,
    stops_known: bool | None = None,
) -> engine.Outcome:
    """Execute the plan for a funded taker (`new`: not stored yet); settle what is left of it; store it;
    update the market; record. `stops_known`: whether untriggered stops wait on the pair, when the caller
    read it under this pair lock (matching neither adds nor triggers any)."""
    if new and plan.steps:
        _insert(order)  # trades refer to it
        _record_placed(order, pair.symbol, actor)
    outcome = (
        engine.execute(
            taker=order,
            pair=pair,
            plan=plan,
            balances=balances,
            fees_account_id=fees_account_id,
            fee_places=pair.fee_currency.precision,
            now=now,
        )
        if plan.steps
        else engine.Outcome()
    )
    by_quote = order.amount is None
    done = (not plan.book_exhausted and plan.fills) if by_quote else order.remaining == 0
    rested: tuple[str, Decimal] | None = None
    cancelled_reason = ""
    if done:
        order.status = OrderStatus.FILLED
    elif order.order_type == OrderType.MARKET or order.time_in_force in (
        TimeInForce.IOC,
        TimeInForce.FOK,
    ):
        order.status = OrderStatus.CANCELLED
        cancelled_reason = (
            "market" if order.order_type == OrderType.MARKET else "immediate_or_cancel"
        )
    else:
        order.status = OrderStatus.PARTIALLY_FILLED if order.executed_amount else OrderStatus.NEW
        order.is_resting = True
        order.rested_at = now
        assert order.price is not None
        rested = (order.side, order.price)
    if order.status in (OrderStatus.FILLED, OrderStatus.CANCELLED):
        engine.release_rest(balances=balances, order=order)
    if outcome.taker_report is not None and order.status == OrderStatus.FILLED:
        outcome.taker_report.status = OrderStatus.FILLED  # its last fill's report is the final one
    order.updated_at = now
    if new and not plan.steps:
        _insert(order)  # one INSERT for an order that met nobody
        _record_placed(order, pair.symbol, actor)
    else:
        order.save(
            update_fields=[
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
            ]
        )
    if outcome.trades:
        outcome.stops_waiting = (
            stops_known
            if stops_known is not None
            else Order.objects.filter(OPEN, pair_id=pair.pk, is_triggered=False).exists()
        )
    engine.market_update(pair=pair, state=state, now=now, outcome=outcome, rested=rested)
    engine.record_volumes(outcome, now)
    for maker in outcome.removed:  # met on the way: self-trade prevention, or past its GTD time
        expired = maker.status == OrderStatus.EXPIRED
        record(
            user=_user_ref(maker.user_id),
            action=ActivityType.ORDER_EXPIRED if expired else ActivityType.ORDER_CANCELLED,
            actor=Actor.system(),
            details=_details(
                maker, pair.symbol, reason="expired" if expired else "self_trade_prevention"
            ),
            at=now,
        )
    _record_fills(
        outcome,
        now=now,
        taker=order,
        symbol=pair.symbol,
        actor=actor,
    )
    if cancelled_reason:
        _record_cancelled(order, pair.symbol, actor, reason=cancelled_reason, now=now)
    events.trades_done(outcome.trades, pair)
    _book_touched(pair, now)
    return outcome


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


def _record_cancelled(
    order: Order, symbol: str, actor: Actor, *, reason: str, now: datetime
) -> None:
    record(
        user=_user_ref(order.user_id),
        action=ActivityType.ORDER_CANCELLED,
        actor=actor,
        details=_details(order, symbol, reason=reason),
        at=now,
    )
    events.order_changed(order, events.CANCELED, reason=reason)


# --- stop orders ------------------------------------------------------------------------------------


def trigger_stops(cmd: TriggerStops) -> tuple[Reply, bool]:
    """Trigger the pair's stop orders that the last trade price has reached, earliest placed first, each then
    matched as a limit order (it can trade and so trigger others). At most `MAX_STOP_CASCADE` per command:
    returns the reply (`count`: how many triggered) and whether more may wait (the runner runs the command
    again next). Records what their matching records (`order.filled`, `order.cancelled`, ...)."""
    now, actor = cmd.at, cmd.actor
    triggered = 0
    for _ in range(MAX_STOP_CASCADE):
        pair = lock_pair(symbol=cmd.symbol)
        state = engine.pair_state(pair)
        last = state.last_price
        if last is None:
            break
        stop = (
            Order.objects.filter(OPEN, pair_id=pair.pk, is_triggered=False)
            .filter(
                Q(side=Side.BUY, stop_price__lte=last) | Q(side=Side.SELL, stop_price__gte=last)
            )
            .select_related("account")
            .order_by("created_at", "id")
            .first()
        )
        if stop is None:
            break
        stop.is_triggered = True
        plan = engine.plan_match(taker=stop, pair=pair, now=now, state=state)
        # A stop's hold is in base or quote: both are locked, as a taker that trades needs.
        balances, fees_account_id = _lock_match_balances(
            stop, pair, plan, hold_currency=pair.base_id, also=pair.quote_id
        )
        _run(
            stop,
            new=False,
            pair=pair,
            state=state,
            plan=plan,
            balances=balances,
            fees_account_id=fees_account_id,
            actor=actor,
            now=now,
        )
        triggered += 1
    return Reply(cmd.id, count=triggered), triggered == MAX_STOP_CASCADE


# --- cancel and expire ------------------------------------------------------------------------------


def _remove(
    orders: list[Order],
    *,
    pair: Pair,
    status: str,
    reason: str,
    actor: Actor,
    now: datetime,
    by: str = "",
    cancel_request_id: str | None = None,
) -> None:
    """Cancel or expire open orders of one locked pair: one balance lock call, then the market update."""
    keys = {(o.account_id, o.hold_currency_id) for o in orders if o.hold_currency_id}
    balances = lock_balances(keys)
    state = engine.pair_state(pair)
    outcome = engine.Outcome()
    for order in orders:
        if order.is_resting:
            outcome.touched_sides.add(order.side)
        released = engine.remove_from_book(
            balances=balances,
            order=order,
            status=status,
            now=now,
            reason=reason,
            cancel_request_id=cancel_request_id,
        )
        record(
            user=_user_ref(order.user_id),
            action=ActivityType.ORDER_EXPIRED
            if status == OrderStatus.EXPIRED
            else ActivityType.ORDER_CANCELLED,
            actor=actor,
            details=_details(
                order, pair.symbol, reason=reason, **_staff_details(order, by, released)
            ),
            at=now,
        )
    engine.market_update(pair=pair, state=state, now=now, outcome=outcome)
    _book_touched(pair, now)


def cancel(cmd: CancelOrder) -> Reply:
    """Cancel one open order of the user, releasing exactly what it still holds. Raises `OrderNotFoundError`
    (unknown, or another user's), `OrderFinalError` (already filled, cancelled, expired or rejected),
    `OrderCancelNotAllowedError` (pair halted). Records `order.cancelled` (with `by` when the admin cancels)."""
    pair = lock_pair(symbol=cmd.symbol)
    order = (
        Order.objects.select_related("account")
        .filter(pk=cmd.order_id, user_id=cmd.user_id, pair_id=pair.pk)
        .first()
    )
    if order is None:
        raise OrderNotFoundError(details={"order_id": cmd.order_id})
    if order.status not in OPEN_STATUSES:
        raise OrderFinalError(details={"order_id": order.pk, "status": order.status})
    if pair.status == PairStatus.HALTED:
        raise OrderCancelNotAllowedError(details={"pair": pair.symbol})
    _remove(
        [order],
        pair=pair,
        status=OrderStatus.CANCELLED,
        reason="requested",
        actor=cmd.actor,
        now=cmd.at,
        by=cmd.by,
        cancel_request_id=cmd.cancel_request_id,
    )
    return Reply(cmd.id, order_ids=(order.pk,))


def cancel_all(cmd: CancelAll) -> Reply:
    """Cancel every open order of the user on the pair (on `account_ids` only, when given), in id order; a
    halted pair cancels nothing. Records `order.cancelled` for each."""
    pair = lock_pair(symbol=cmd.symbol)
    if pair.status == PairStatus.HALTED:
        return Reply(cmd.id)
    rows = Order.objects.filter(OPEN, user_id=cmd.user_id, pair_id=pair.pk)
    if cmd.account_ids is not None:
        rows = rows.filter(account_id__in=cmd.account_ids)
    orders = list(rows.order_by("id"))
    if orders:
        _remove(
            orders,
            pair=pair,
            status=OrderStatus.CANCELLED,
            reason="cancel_all",
            actor=cmd.actor,
            now=cmd.at,
        )
    return Reply(cmd.id, order_ids=tuple(order.pk for order in orders))


def expire_due(cmd: ExpireDue) -> Reply:
    """Expire the pair's open GTD orders whose expireTime has come by the command's time, releasing their
    holds; records `order.expired`. Running it twice expires nothing more."""
    pair = lock_pair(symbol=cmd.symbol)
    orders = list(Order.objects.filter(OPEN, pair_id=pair.pk, expire_at__lte=cmd.at).order_by("id"))
    if orders:
        _remove(
            orders,
            pair=pair,
            status=OrderStatus.EXPIRED,
            reason="expired",
            actor=cmd.actor,
            now=cmd.at,
        )
    return Reply(cmd.id, order_ids=tuple(order.pk for order in orders), count=len(orders))


# --- activity rows: every row trading writes is written here -------------------------------------


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


def _record_fills(
    outcome: engine.Outcome,
    *,
    now: datetime,
    taker: Order,
    symbol: str,
    actor: Actor,
) -> None:
    """One `order.filled` row per order that got fills in this pass: the taker's by `actor`, the makers' by the
    system (their owners did nothing just now)."""
    per_order: dict[int, tuple[Decimal, Decimal, int]] = {}
    for trade in outcome.trades:
        for order_id in (trade.maker_order_id, trade.taker_order_id):
            amount, value, count = per_order.get(order_id, (Decimal(0), Decimal(0), 0))
            per_order[order_id] = (amount + trade.amount, value + trade.quote_amount, count + 1)
    for order_id, (amount, value, count) in per_order.items():
        order = outcome.filled[order_id]
        is_taker = order is taker
        record(
            user=_user_ref(order.user_id),
            action=ActivityType.ORDER_FILLED,
            actor=actor if is_taker else Actor.system(),
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
