"""Order workflows: place, cancel, cancel all, expire GTD orders, trigger stop orders.

Locking (every entry point): one durable transaction per pair touched, which takes the pair's lock FIRST
(`select_for_update` on the `conditions.Pair` row: orders on one pair are serialised, different pairs run in
parallel), then every balance the work touches in ONE `ledger.locking.lock_balances` call (ascending
(account, currency), the order every ledger writer uses), then the 30-day volume buckets in ascending user id.
Matching, settlement, market data and activity rows all commit together or not at all.

Decisions:
- Self-trade prevention: when an incoming order meets a resting order of the same user (any of their accounts),
  the RESTING order is cancelled (its hold released, `order.cancelled` with reason `self_trade_prevention`) and
  the incoming order goes on matching. No trade between one user's orders ever happens.
- `clientOrderId` is unique per user for 24 h (`TRADING_CLIENT_ORDER_ID_TTL_S`): the order carries it in
  `dedupe_key`, under a unique (user, dedupe_key) constraint. A repeat with the same parameters returns the
  existing order (its current state) and places nothing; with other parameters it is refused
  (`ClientOrderIdConflictError`). After 24 h the id is released (lazily when it comes again, and by the
  periodic task), so it can be reused; `get_my_orders {clientOrderId}` then lists every order that carried it.
  Rejected orders never hold their id, so a corrected retry may reuse it at once.
- Rejections (trading rules, insufficient funds, too many open orders) are not errors: the order is stored with
  status REJECTED, `reject_code` and `reject_reason` (protocol §4.6), recorded as `order.rejected`, and
  returned.
- Too many open orders: at most `TRADING_MAX_OPEN_ORDERS` open orders per account and pair. Counting per pair
  is what the pair lock makes exact under concurrency.
- FOK fills completely at once or is cancelled with nothing filled; IOC and market orders cancel what they could
  not fill (status CANCELLED, executed amounts > 0 when partly filled). Market orders on an empty book end
  CANCELLED with nothing filled.
- Stop Limit: triggered by the last trade price (BUY when last >= stopPrice, SELL when last <= stopPrice), at
  placement if the condition already holds, otherwise right after the trades that meet it (in follow-up
  transactions, one per triggered order, so each locks its balances in one call); it then acts as a limit order.
  Its funds are held from placement.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.levels import level_require
from activities.actor import Actor
from activities.models import ActivityType, Outcome
from activities.services import record
from common.models import quoted_column
from conditions.errors import OrderAmountMissingError, OrderRuleError, PairNotFoundError
from conditions.models import Currency, Pair, PairStatus
from conditions.validation import order_check, order_kind
from fees.selectors import current_fee
from ledger.settlement import (
    MAIN_ACCOUNT,
    BalanceKey,
    InsufficientFundsError,
    fees_account,
    hold_increase,
    lock_balances,
    order_account,
)
from trading import engine, events
from trading.errors import (
    ClientOrderIdConflictError,
    MainAccountOrderError,
    OrderCancelNotAllowedError,
    OrderFinalError,
    OrderNotFoundError,
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

REJECT_RULE = 400
REJECT_FUNDS = 403
REJECT_AMOUNTS = 405
REJECT_TOO_MANY = 437
INSUFFICIENT_FUNDS = "Insufficient funds"
TOO_MANY_ORDERS = "Too many active orders"
MARKET_TRIGGER = "Market Trigger orders are not allowed"
MAX_STOP_CASCADE = 100


@dataclass(frozen=True, slots=True)
class PlaceResult:
    """The order as it stands after placement (NEW, PARTIALLY_FILLED, FILLED, CANCELLED or REJECTED), the
    trades it made, and whether it is an earlier order returned for a repeated clientOrderId."""

    order: Order
    trades: tuple[Trade, ...] = ()
    replayed: bool = False


class _DuplicateClientOrderId(Exception):
    """A concurrent order with the same clientOrderId committed first: roll back, then answer with it."""


class _ExpiredClientOrderId(Exception):
    """The order holding this clientOrderId is past the dedupe window: roll back (nothing written yet),
    release the id in its own transaction, place again."""

    def __init__(self, order_id: int) -> None:
        super().__init__(order_id)
        self.order_id = order_id


@transaction.atomic(durable=True)
def _client_order_id_release(*, order_id: int) -> None:
    """Free an expired clientOrderId: one UPDATE of one order row, in a transaction that holds no other lock
    while it waits for that row (a fill may hold it until its commit), so it cannot close a cycle."""
    Order.objects.filter(pk=order_id).update(dedupe_key=None)


def _lock_pair(pair_id: int | None = None, *, symbol: str | None = None) -> Pair:
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
    key = (
        (quoted_column(Pair, "id"), pair_id)
        if symbol is None
        else (quoted_column(Pair, "symbol"), symbol)
    )
    table = connection.ops.quote_name(Pair._meta.db_table)
    sql = f"SELECT * FROM {table} WHERE {key[0]} = %s"  # noqa: S608 - identifiers from the model
    # SQLite has no row locks: its IMMEDIATE transactions serialise writers.
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    found = next(iter(Pair.objects.raw(sql, [key[1]])), None)
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


def _fingerprint(order: Order, account: str, symbol: str) -> str:
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


def _earlier(
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
        raise _ExpiredClientOrderId(earlier.pk)
    if earlier.fingerprint != fingerprint:
        raise ClientOrderIdConflictError(
            f"clientOrderId {client_order_id} was already used with different parameters",
            details={"client_order_id": client_order_id, "order_id": earlier.pk},
        )
    return earlier


def order_place(
    *,
    user: Any,
    account: str,
    pair: str,
    side: str,
    order_type: str,
    amount: Decimal | None = None,
    quote_amount: Decimal | None = None,
    price: Decimal | None = None,
    stop_price: Decimal | None = None,
    time_in_force: str | None = None,
    expire_at: datetime | None = None,
    client_order_id: str = "",
    comment: str = "",
    client_created_at: datetime | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> PlaceResult:
    """Place an order on the user's sub-account `account` and match it.

    Raises (nothing written): `MainAccountOrderError` (account ""), `AccountNotFoundError`,
    `VerificationRequiredError` (the user's level does not allow trading), `PairNotFoundError`,
    `ClientOrderIdConflictError`, and `conditions.validation.order_kind`'s errors for an order type, side or time
    in force that is none of the protocol's (a kind the pair does not allow is a REJECTED order). Every other
    refusal is a REJECTED order (see the module docstring). Locks the
    pair, then the balances of the order's account, of every resting order it meets and of the fees account.
    Records `order.placed` (or `order.rejected`), `order.filled` per order that traded, `order.cancelled` for
    an IOC/FOK/market remainder and for resting orders removed by self-trade prevention, `order.expired` for
    expired resting orders met. A repeat of a recent clientOrderId returns the earlier order and records
    `order.placed` with `replayed: true`.
    """
    now = now or timezone.now()
    if account == MAIN_ACCOUNT:
        raise MainAccountOrderError()
    symbol = pair.strip().upper()
    kind = order_kind(order_type=order_type, side=side, time_in_force=time_in_force)
    order = Order(
        user=user,
        # Without an id of the caller's the protocol's default applies (the ms timestamp), binding nothing.
        client_order_id=client_order_id or str(int(now.timestamp() * 1000)),
        dedupe_key=client_order_id or None,
        side=kind.side,
        order_type=kind.order_type,
        time_in_force=kind.time_in_force,
        status=OrderStatus.NEW,
        price=price,
        stop_price=stop_price,
        amount=amount,
        quote_amount=quote_amount,
        remaining=amount or Decimal(0),
        expire_at=expire_at if kind.time_in_force == TimeInForce.GTD else None,
        client_created_at=client_created_at,
        comment=comment[:255],
        created_at=now,
        updated_at=now,
    )
    order.fingerprint = _fingerprint(order, account, symbol)
    try:
        try:
            result, stops_waiting = _place(
                order, account=account, symbol=symbol, actor=actor, now=now
            )
        except _ExpiredClientOrderId as expired:
            # Released in a transaction of its own (that order's row lock, nothing else held), then placed
            # again: the placement's transaction takes the pair lock before writing any order row.
            _client_order_id_release(order_id=expired.order_id)
            result, stops_waiting = _place(
                order, account=account, symbol=symbol, actor=actor, now=now
            )
    except (_DuplicateClientOrderId, _ExpiredClientOrderId):
        with transaction.atomic(durable=True):
            try:
                earlier = _earlier(
                    user=user,
                    client_order_id=client_order_id,
                    fingerprint=order.fingerprint,
                    now=now,
                )
            except _ExpiredClientOrderId:
                earlier = None
            if (
                earlier is None
            ):  # the winner's id was released meanwhile: a genuine race, try no further
                raise ClientOrderIdConflictError() from None
            return _replayed(earlier, symbol, actor)
    if stops_waiting and stops_trigger(pair_id=result.order.pair_id, now=now):
        result.order.refresh_from_db()  # a triggered stop may have traded with it
    return result


def _replayed(order: Order, symbol: str, actor: Actor) -> PlaceResult:
    record(
        user=order.user,
        action=ActivityType.ORDER_PLACED,
        actor=actor,
        details=engine.order_details(order, symbol, replayed=True),
    )
    return PlaceResult(order=order, replayed=True)


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
    # No savepoint: on a duplicate clientOrderId the whole transaction is abandoned anyway (PostgreSQL makes
    # this INSERT wait for the other order's transaction, then fail), and the caller answers with that order.
    try:
        order.save(force_insert=True)
    except IntegrityError as exc:
        text = str(exc)
        if order.dedupe_key and ("trading_order_client_id_unique" in text or "dedupe_key" in text):
            raise _DuplicateClientOrderId from exc
        raise


def _reject(order: Order, *, symbol: str, code: int, reason: str, actor: Actor) -> PlaceResult:
    order.status = OrderStatus.REJECTED
    order.reject_code = code
    order.reject_reason = reason[:255]
    order.dedupe_key = None
    order.remaining = Decimal(0)
    order.is_resting = False
    order.hold_currency_id = None
    order.hold_initial = order.hold_remaining = Decimal(0)
    order.save(force_insert=True)
    record(
        user=order.user,
        action=ActivityType.ORDER_REJECTED,
        actor=actor,
        outcome=Outcome.REFUSED,
        details=engine.order_details(order, symbol, reject_code=code, reason=order.reject_reason),
        at=order.created_at,
    )
    events.order_changed(order, events.REJECTED)
    return PlaceResult(order=order)


def _state_and_open_count(pair: Pair, account_id: int) -> tuple[PairState, int, bool | None]:
    """The pair's state row, the account's open orders on the pair and whether untriggered stop orders wait
    on the pair (None: not known), in one query after the pair's lock (so all are current, see `_lock_pair`).

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


def _place(
    order: Order, *, account: str, symbol: str, actor: Actor, now: datetime
) -> tuple[PlaceResult, bool]:
    """Match and store a new order in one durable transaction, or answer a retry of a recent clientOrderId
    with the earlier order. Returns the result and whether stop orders wait on the pair (the caller then
    triggers those the new last price reached, in their own transactions)."""
    with transaction.atomic(durable=True):
        # The account and the clientOrderId check come first, in the same transaction as the placement (one
        # BEGIN/COMMIT less than a transaction of their own); a replay then returns before any lock is taken.
        # The account comes with its user (public id and verification level loaded): the answer shows the one,
        # the placement checks the other.
        order.account, known_fees_id = order_account(user_id=order.user_id, name=account)
        assert order.account.user is not None  # a spot account always has its user
        order.user = order.account.user
        # Refused before anything is written: a level too low is an error of the call, not a REJECTED order.
        level_require(user=order.user, capability="trade")
        if order.dedupe_key:
            earlier = _earlier(
                user=order.user,
                client_order_id=order.dedupe_key,
                fingerprint=order.fingerprint,
                now=now,
            )
            if earlier is not None:
                return _replayed(earlier, symbol, actor), False
        pair = _lock_pair(symbol=symbol)
        order.pair = pair
        order.fee_currency_id = pair.fee_currency_id
        problem = _rule_problem(order, pair, now)
        if problem is not None:
            return _reject(
                order, symbol=symbol, code=problem[0], reason=problem[1], actor=actor
            ), False
        rests = order.order_type != OrderType.MARKET and order.time_in_force in (
            TimeInForce.GTC,
            TimeInForce.GTD,
        )
        stops_known: bool | None = None
        if rests:
            state, open_count, stops_known = _state_and_open_count(pair, order.account_id)
            if open_count >= settings.TRADING_MAX_OPEN_ORDERS:
                rejected = _reject(
                    order,
                    symbol=symbol,
                    code=REJECT_TOO_MANY,
                    reason=TOO_MANY_ORDERS,
                    actor=actor,
                )
                return rejected, False
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
            return PlaceResult(order=order), False

        currency, hold = engine.hold_for(order=order, pair=pair, plan=plan, fee_places=fee_places)
        keys: set[BalanceKey] = {(order.account_id, currency)}
        if plan.steps:
            keys.update({(order.account_id, pair.base_id), (order.account_id, pair.quote_id)})
        for account_id in plan.maker_account_ids():
            keys.update({(account_id, pair.base_id), (account_id, pair.quote_id)})
        fees_account_id = 0
        if plan.fills:
            # Read with the spot account; created (one more query) only on the very first fill.
            fees_account_id = known_fees_id or fees_account().pk
            keys.add((fees_account_id, pair.fee_currency_id))
        balances = lock_balances(keys)
        if not _hold(order, balances, currency, hold):
            rejected = _reject(
                order, symbol=symbol, code=REJECT_FUNDS, reason=INSUFFICIENT_FUNDS, actor=actor
            )
            return rejected, False
        if waiting_stop:
            order.is_triggered = False
            _insert(order)
            _record_placed(order, symbol, actor)
            return PlaceResult(order=order), False
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
        return PlaceResult(order=order, trades=tuple(outcome.trades)), outcome.stops_waiting


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
    engine.record_fills(
        outcome,
        now=now,
        taker=order,
        symbol=pair.symbol,
        actor=actor,
    )
    if cancelled_reason:
        _record_cancelled(order, pair.symbol, actor, reason=cancelled_reason, now=now)
    events.trades_done(outcome.trades, pair)
    events.book_changed(pair, now=now)
    return outcome


def _record_placed(order: Order, symbol: str, actor: Actor) -> None:
    details = engine.order_details(
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
        user=engine.user_ref(order.user_id),
        action=ActivityType.ORDER_CANCELLED,
        actor=actor,
        details=engine.order_details(order, symbol, reason=reason),
        at=now,
    )
    events.order_changed(order, events.CANCELED, reason=reason)


# --- stop orders ------------------------------------------------------------------------------------


def stops_trigger(*, pair_id: int, now: datetime | None = None) -> int:
    """Trigger the pair's stop orders that the last trade price has reached, one durable transaction each
    (pair lock, then the balances its match touches). Triggered orders can trade and so trigger others; the
    cascade is bounded by `MAX_STOP_CASCADE` per call (the periodic task picks up the rest). Returns how many
    were triggered. Records what their matching records (`order.filled`, `order.cancelled`, ...)."""
    now = now or timezone.now()
    actor = Actor.system()
    triggered = 0
    for _ in range(MAX_STOP_CASCADE):
        with transaction.atomic(durable=True):
            pair = _lock_pair(pair_id)
            state = engine.pair_state(pair)
            last = state.last_price
            if last is None:
                return triggered
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
                return triggered
            stop.is_triggered = True
            plan = engine.plan_match(taker=stop, pair=pair, now=now, state=state)
            keys: set[BalanceKey] = {
                (stop.account_id, pair.base_id),
                (stop.account_id, pair.quote_id),
            }
            for account_id in plan.maker_account_ids():
                keys.update({(account_id, pair.base_id), (account_id, pair.quote_id)})
            fees_account_id = fees_account().pk if plan.fills else 0
            if plan.fills:
                keys.add((fees_account_id, pair.fee_currency_id))
            balances = lock_balances(keys)
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
    return triggered


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
        engine.remove_from_book(
            balances=balances,
            order=order,
            symbol=pair.symbol,
            status=status,
            now=now,
            reason=reason,
            actor=actor,
            by=by,
            cancel_request_id=cancel_request_id,
        )
    engine.market_update(pair=pair, state=state, now=now, outcome=outcome)
    events.book_changed(pair, now=now)


@transaction.atomic(durable=True)
def order_cancel(
    *,
    user: Any,
    order_id: int | None = None,
    client_order_id: str | None = None,
    cancel_request_id: str | None = None,
    actor: Actor,
    by: Any = None,
    now: datetime | None = None,
) -> Order:
    """Cancel one of the user's open orders, by id or by clientOrderId (its open order carrying that id).
    `cancel_request_id` (the protocol's) is passed on to the order's events.

    Releases exactly what the order still holds. Raises `OrderNotFoundError` (unknown, or another user's),
    `OrderFinalError` (already filled, cancelled, expired or rejected), `OrderCancelNotAllowedError` (pair
    halted). Locks the pair, then the order's hold balance. Records `order.cancelled` (with `by`, the staff
    member's e-mail, when the admin cancels).
    """
    now = now or timezone.now()
    rows = Order.objects.filter(user=user)
    if order_id is not None:
        found = rows.filter(pk=order_id).first()
    else:
        candidates = rows.filter(client_order_id=client_order_id or "").order_by(
            "-created_at", "-id"
        )
        found = candidates.filter(OPEN).first() or candidates.first()
    if found is None:
        raise OrderNotFoundError(details={"order_id": order_id, "client_order_id": client_order_id})
    pair = _lock_pair(found.pair_id)
    order = Order.objects.select_related("account").get(pk=found.pk)  # fresh, under the pair's lock
    if order.status not in OPEN_STATUSES:
        raise OrderFinalError(details={"order_id": order.pk, "status": order.status})
    if pair.status == PairStatus.HALTED:
        raise OrderCancelNotAllowedError(details={"pair": pair.symbol})
    _remove(
        [order],
        pair=pair,
        status=OrderStatus.CANCELLED,
        reason="requested",
        actor=actor,
        now=now,
        by=by.email if by else "",
        cancel_request_id=cancel_request_id,
    )
    return order


def order_cancel_all(
    *,
    user: Any,
    accounts: list[str] | None = None,
    pair: str | None = None,
    actor: Actor,
    now: datetime | None = None,
) -> list[Order]:
    """Cancel every open order of the user (on the named spot accounts only, when `accounts` is given; on one
    pair only, when `pair` is).

    One durable transaction per pair, in pair id order (each: pair lock, then one balance lock call); pairs that
    are halted are skipped. Returns the cancelled orders. Records `order.cancelled` for each.
    """
    now = now or timezone.now()
    rows = Order.objects.filter(OPEN, user=user)
    if accounts:
        rows = rows.filter(account__name__in=accounts)
    if pair:
        rows = rows.filter(pair__symbol=pair.upper())
    cancelled: list[Order] = []
    for pair_id in sorted(set(rows.values_list("pair_id", flat=True))):
        with transaction.atomic(durable=True):
            locked = _lock_pair(pair_id)
            if locked.status == PairStatus.HALTED:
                continue
            orders = list(rows.filter(pair_id=pair_id).order_by("id"))
            _remove(
                orders,
                pair=locked,
                status=OrderStatus.CANCELLED,
                reason="cancel_all",
                actor=actor,
                now=now,
            )
            cancelled.extend(orders)
    return cancelled


def orders_expire_due(*, now: datetime | None = None) -> int:
    """Expire open GTD orders whose expireTime has come: one durable transaction per pair (pair lock, then one
    balance lock call). Releases their holds; records `order.expired`. Also releases clientOrderIds older than
    the dedupe window. Safe to run twice; returns how many orders expired."""
    now = now or timezone.now()
    due = Order.objects.filter(OPEN, expire_at__lte=now)
    expired = 0
    actor = Actor.system()
    for pair_id in sorted(set(due.values_list("pair_id", flat=True))):
        with transaction.atomic(durable=True):
            pair = _lock_pair(pair_id)
            orders = list(due.filter(pair_id=pair_id).order_by("id"))
            _remove(
                orders,
                pair=pair,
                status=OrderStatus.EXPIRED,
                reason="expired",
                actor=actor,
                now=now,
            )
            expired += len(orders)
    cutoff = now - timedelta(seconds=settings.TRADING_CLIENT_ORDER_ID_TTL_S)
    with transaction.atomic(durable=True):
        # Rows a fill holds are skipped (the next run frees them): this transaction never waits for an order
        # row while holding others, so it cannot deadlock against a fill.
        stale = Order.objects.filter(dedupe_key__isnull=False, created_at__lte=cutoff)
        ids = list(stale.select_for_update(skip_locked=True).values_list("pk", flat=True))
        Order.objects.filter(pk__in=ids).update(dedupe_key=None)
    return expired
