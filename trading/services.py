"""Order workflows, the doors' side: place, cancel, cancel all, expire GTD orders, trigger stop orders.

A door checks what it can answer from the database without writing (the account, the caller's verification
level, the pair, a repeated clientOrderId), then submits a command to the pair's one writer (`trading.matcher`)
and answers with what it committed. Matching and every write of an order, a trade, a hold or the market data
happen there (`trading.persistence`, whose docstring holds the matching decisions). A door waits a bounded time
(`TRADING_MATCHER_WAIT_S`) and then refuses with `TradingUnavailableError` (503), and only for a command that
never runs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.levels import level_require
from activities.actor import Actor
from common.models import quoted_column, select_rows
from conditions.models import Pair
from conditions.validation import order_kind
from ledger.settlement import MAIN_ACCOUNT, order_account
from trading import persistence
from trading.errors import MainAccountOrderError, OrderNotFoundError
from trading.matcher import transport as matcher
from trading.matcher.commands import CancelAll, CancelOrder, ExpireDue, PlaceOrder, TriggerStops
from trading.models import OPEN, Order, TimeInForce, Trade

# The reject codes and texts, for callers that name them.
REJECT_RULE = persistence.REJECT_RULE
REJECT_FUNDS = persistence.REJECT_FUNDS
REJECT_AMOUNTS = persistence.REJECT_AMOUNTS
REJECT_TOO_MANY = persistence.REJECT_TOO_MANY
INSUFFICIENT_FUNDS = persistence.INSUFFICIENT_FUNDS
TOO_MANY_ORDERS = persistence.TOO_MANY_ORDERS
MARKET_TRIGGER = persistence.MARKET_TRIGGER


@dataclass(frozen=True, slots=True)
class PlaceResult:
    """The order as it stands after placement (NEW, PARTIALLY_FILLED, FILLED, CANCELLED or REJECTED), the
    trades it made, and whether it is an earlier order returned for a repeated clientOrderId."""

    order: Order
    trades: tuple[Trade, ...] = ()
    replayed: bool = False


@transaction.atomic(durable=True)
def _client_order_id_release(*, order_id: int) -> None:
    """Free an expired clientOrderId: one UPDATE of one order row, in a transaction that holds no other lock
    while it waits for that row (a fill may hold it until its commit), so it cannot close a cycle."""
    Order.objects.filter(pk=order_id).update(dedupe_key=None)


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
    claim: Callable[[], None] | None = None,
) -> PlaceResult:
    """Place an order on the user's sub-account `account` and match it.

    Raises (nothing written): `MainAccountOrderError` (account ""), `AccountNotFoundError`,
    `VerificationRequiredError` (the user's level does not allow trading), `PairNotFoundError`,
    `ClientOrderIdConflictError`, `TradingUnavailableError` (the pair's matcher did not take the order in time),
    and `conditions.validation.order_kind`'s errors for an order type, side or time in force that is none of the
    protocol's (a kind the pair does not allow is a REJECTED order). Every other refusal is a REJECTED order
    (see `trading.persistence`). Records `order.placed` (or `order.rejected`), `order.filled` per order that
    traded, `order.cancelled` for an IOC/FOK/market remainder and for resting orders removed by self-trade
    prevention, `order.expired` for expired resting orders met. A repeat of a recent clientOrderId returns the
    earlier order and records `order.placed` with `replayed: true`. `claim`, when given, runs first inside the
    door's transaction (the gateway's replay guard, see gateway/replay.py); what it raises refuses the order.
    """
    now = now or timezone.now()
    if account == MAIN_ACCOUNT:
        raise MainAccountOrderError()
    symbol = pair.strip().upper()
    kind = order_kind(order_type=order_type, side=side, time_in_force=time_in_force)
    draft = Order(
        # Without an id of the caller's the protocol's default applies (the ms timestamp), binding nothing.
        client_order_id=client_order_id or str(int(now.timestamp() * 1000)),
        dedupe_key=client_order_id or None,
        side=kind.side,
        order_type=kind.order_type,
        time_in_force=kind.time_in_force,
        price=price,
        stop_price=stop_price,
        amount=amount,
        quote_amount=quote_amount,
        expire_at=expire_at if kind.time_in_force == TimeInForce.GTD else None,
    )
    fingerprint = persistence.fingerprint(draft, account, symbol)
    door = partial(
        _door,
        user=user,
        account=account,
        symbol=symbol,
        client_order_id=client_order_id,
        fingerprint=fingerprint,
        now=now,
        claim=claim,
    )
    try:
        checked = door()
    except persistence.ExpiredClientOrderId as expired:
        # Released in a transaction of its own (that order's row lock, nothing else held); the claim, if any,
        # was rolled back with the door's transaction and runs again.
        _client_order_id_release(order_id=expired.order_id)
        checked = door()
    if checked.earlier is not None:
        earlier = _orders((checked.earlier,))[0]
        persistence.replayed(earlier, symbol, actor)
        return PlaceResult(order=earlier, replayed=True)
    reply = matcher.submit(
        PlaceOrder(
            symbol=symbol,
            at=now,
            actor=actor,
            user_id=checked.account.user_id,
            account=account,
            side=draft.side,
            order_type=draft.order_type,
            time_in_force=draft.time_in_force,
            client_order_id=draft.client_order_id,
            fingerprint=fingerprint,
            dedupe_key=draft.dedupe_key,
            amount=amount,
            quote_amount=quote_amount,
            price=price,
            stop_price=stop_price,
            expire_at=draft.expire_at,
            client_created_at=client_created_at,
            comment=comment[:255],
        )
    )
    order = _orders(reply.order_ids, checked)[0]
    return PlaceResult(order=order, trades=_trades(reply.trade_ids), replayed=reply.replayed)


@dataclass(frozen=True, slots=True)
class _Checked:
    """What the door read: the sub-account (its user loaded), the pair (its currencies loaded) and the id
    of an earlier order of the same clientOrderId and parameters."""

    account: Any
    pair: Pair
    earlier: int | None


def _door(
    *,
    user: Any,
    account: str,
    symbol: str,
    client_order_id: str,
    fingerprint: str,
    now: datetime,
    claim: Callable[[], None] | None,
) -> _Checked:
    """What the door checks before it submits an order, in one transaction with the replay guard's claim: the
    account (`AccountNotFoundError`), the owner's verification level, the pair (`PairNotFoundError`), and an
    earlier order of the same clientOrderId (its id; `ClientOrderIdConflictError` for other parameters,
    `ExpiredClientOrderId` past the dedupe window)."""
    with transaction.atomic(durable=True):
        if claim is not None:
            claim()
        user_id = user if isinstance(user, int) else user.pk
        found, _fees = order_account(user_id=user_id, name=account)
        assert found.user is not None  # a spot account always has its user
        # Refused before anything is submitted: a level too low is an error of the call, not a REJECTED order.
        level_require(user=found.user, capability="trade")
        pair = persistence.pair_loaded(symbol=symbol)
        earlier = None
        if client_order_id:
            earlier = persistence.earlier(
                user=user_id, client_order_id=client_order_id, fingerprint=fingerprint, now=now
            )
        return _Checked(account=found, pair=pair, earlier=earlier)


def _orders(ids: tuple[int, ...], checked: _Checked | None = None) -> list[Order]:
    """The orders a reply names, as committed, in the reply's order. An order on the account and pair the door
    read takes them from it (`checked`) instead of joining them again: on every order, compiling the five-table
    join costs more than running it (`select_rows` reads the order's own row)."""
    if checked is None:
        found = Order.objects.select_related(
            "pair__base", "pair__quote", "pair__fee_currency", "account", "user"
        ).in_bulk(list(ids))
        return [found[order_id] for order_id in ids]
    marks = ", ".join(["%s"] * len(ids))
    rows = select_rows(Order, f"WHERE {quoted_column(Order, 'id')} IN ({marks})", ids)
    by_id = {order.pk: order for order in rows}
    orders = [by_id[order_id] for order_id in ids]
    account, pair = checked.account, checked.pair
    for order in orders:
        if (order.account_id, order.pair_id) == (account.pk, pair.pk):
            order.account, order.pair, order.user = account, pair, account.user
    return orders


def _trades(ids: tuple[int, ...]) -> tuple[Trade, ...]:
    """The trades a reply names, in id order (`select_rows`: read on every order that trades)."""
    if not ids:
        return ()
    marks, pk = ", ".join(["%s"] * len(ids)), quoted_column(Trade, "id")
    return tuple(select_rows(Trade, f"WHERE {pk} IN ({marks}) ORDER BY {pk}", ids))


def _symbol(pair_id: int) -> str:
    return Pair.objects.values_list("symbol", flat=True).get(pk=pair_id)


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
    halted), `TradingUnavailableError`. Records `order.cancelled` (with `by`, the staff member's e-mail, when the
    admin cancels).
    """
    now = now or timezone.now()
    rows = Order.objects.filter(user=user).select_related("pair")
    if order_id is not None:
        found = rows.filter(pk=order_id).first()
    else:
        candidates = rows.filter(client_order_id=client_order_id or "").order_by(
            "-created_at", "-id"
        )
        found = candidates.filter(OPEN).first() or candidates.first()
    if found is None:
        raise OrderNotFoundError(details={"order_id": order_id, "client_order_id": client_order_id})
    reply = matcher.submit(
        CancelOrder(
            symbol=found.pair.symbol,
            at=now,
            actor=actor,
            user_id=found.user_id,
            order_id=found.pk,
            cancel_request_id=cancel_request_id,
            by=by.email if by else "",
        )
    )
    return _orders(reply.order_ids)[0]


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

    One command per pair, in pair id order; pairs that are halted are skipped. Returns the cancelled orders.
    Records `order.cancelled` for each.
    """
    now = now or timezone.now()
    rows = Order.objects.filter(OPEN, user=user)
    if accounts:
        rows = rows.filter(account__name__in=accounts)
    if pair:
        rows = rows.filter(pair__symbol=pair.upper())
    account_ids = (
        tuple(sorted(set(rows.values_list("account_id", flat=True)))) if accounts else None
    )
    cancelled: list[Order] = []
    user_id = user if isinstance(user, int) else user.pk
    for _pair_id, symbol in sorted(set(rows.values_list("pair_id", "pair__symbol"))):
        reply = matcher.submit(
            CancelAll(symbol=symbol, at=now, actor=actor, user_id=user_id, account_ids=account_ids)
        )
        cancelled.extend(_orders(reply.order_ids))
    return cancelled


def orders_expire_due(*, now: datetime | None = None) -> int:
    """Expire open GTD orders whose expireTime has come: one `ExpireDue` command per pair that has any.
    Releases their holds; records `order.expired`. Also releases clientOrderIds older than the dedupe window.
    Safe to run twice; returns how many orders expired."""
    now = now or timezone.now()
    due = Order.objects.filter(OPEN, expire_at__lte=now)
    expired = 0
    for symbol in sorted(set(due.values_list("pair__symbol", flat=True))):
        expired += matcher.submit(ExpireDue(symbol=symbol, at=now)).count
    client_order_ids_release(now=now)
    return expired


def client_order_ids_release(*, now: datetime | None = None) -> int:
    """Release clientOrderIds older than the dedupe window; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.TRADING_CLIENT_ORDER_ID_TTL_S)
    with transaction.atomic(durable=True):
        # Rows a fill holds are skipped (the next run frees them): this transaction never waits for an order
        # row while holding others, so it cannot deadlock against a fill.
        stale = Order.objects.filter(dedupe_key__isnull=False, created_at__lte=cutoff)
        ids = list(stale.select_for_update(skip_locked=True).values_list("pk", flat=True))
        return Order.objects.filter(pk__in=ids).update(dedupe_key=None)


def stops_trigger(*, pair_id: int, now: datetime | None = None) -> int:
    """Trigger the pair's stop orders that the last trade price has reached (a `TriggerStops` command, which
    continues in the same batch while more are reached). Returns how many were triggered."""
    now = now or timezone.now()
    return matcher.submit(TriggerStops(symbol=_symbol(pair_id), at=now)).count


def stops_trigger_all(*, now: datetime | None = None) -> int:
    """`stops_trigger` for every pair with waiting stop orders."""
    pair_ids = Order.objects.filter(OPEN, is_triggered=False).values_list("pair_id", flat=True)
    return sum(stops_trigger(pair_id=pair_id, now=now) for pair_id in sorted(set(pair_ids)))
