"""The database-backed matching helpers of `trading.persistence` (the one writer): plan a match, settle its
fills through the ledger, keep the market data. Writes no activity rows (the writer records them all).

Everything here runs inside a transaction that already holds the pair's lock (`select_for_update` on the Pair
row), so the book it reads cannot change under it: the plan made from the book is exactly what executes. The
caller then locks every balance the plan touches in one `lock_balances` call (one global order, no deadlock) and
hands the locked balances to `execute`.

Money rules (all Decimal; the pure core, `trading/core/rules.py`, applies the same ones and says why they keep
balances exact and buyers within their holds):
- A fill's quote amount is `amount * price` cut (ROUND_DOWN) to the quote currency's precision, so no amount
  below a currency's precision enters a balance: the buyer pays and the seller receives that same value (the cut,
  under one unit of the quote's last decimal per fill, is the seller's). A fill worth less than one unit (a dust
  remainder) moves its base for a quote amount of 0 instead of stopping the match.
- A buy reserves `amount * price` rounded UP to the quote currency's precision (`hold_for`, `reserve_after`).
- A fee is `value * rate / 100` rounded up (toward the exchange) to the fee currency's precision, and never more
  than the value it is charged on. `value` is the fill's amount in the fee currency.
- The side that pays out the fee currency (the buyer when fees are in quote, the seller when in base) reserved the
  fee with its order and pays it from that hold as far as the hold goes beyond what the rest of the order still
  needs; rounding on many partial fills can make a fee exceed its reserve by a few units of the last decimal,
  which is then taken from available funds and, if there are none, forgiven. The other side pays its fee out of
  what the fill just gave it. So no balance ever goes negative and a fill can never fail for lack of funds.
"""

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Q

from common.models import concrete_field
from common.money import quantize_down, quantize_up
from conditions.models import Pair
from fees.services import volume_record_fills
from ledger.settlement import Balance, BalanceKey, Fee, hold_release, trade_settle
from trading import events
from trading.matcher.commands import command_seq
from trading.models import (
    Candle,
    Order,
    OrderStatus,
    OrderType,
    PairState,
    Resolution,
    Side,
    Trade,
)

BOOK_BATCH = 50
HUNDRED = Decimal(100)
ZERO = Decimal(0)


def quote_value(amount: Decimal, price: Decimal, places: int) -> Decimal:
    """A fill's quote amount: `amount * price` cut to the quote currency's `places`."""
    return quantize_down(amount * price, places)


def fee_for(value: Decimal, rate: Decimal, places: int) -> Decimal:
    """The fee on `value` at `rate` percent, rounded up to `places`, never above `value`."""
    if value <= 0 or rate <= 0:
        return ZERO
    return min(quantize_up(value * rate / HUNDRED, places), value)


def opposite(side: str) -> str:
    return Side.SELL if side == Side.BUY else Side.BUY


# --- planning ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Step:
    """One resting order the taker meets: filled (`amount` > 0), or removed first (self-trade, expired)."""

    maker: Order
    kind: str  # "fill" | "self" | "expired"
    amount: Decimal = ZERO
    value: Decimal = ZERO


@dataclass(slots=True)
class Plan:
    steps: list[Step] = field(default_factory=list)
    filled: Decimal = ZERO  # base
    cost: Decimal = ZERO  # quote
    book_exhausted: bool = (
        False  # the book (within the price limit) ran out before the order was satisfied
    )

    @property
    def fills(self) -> list[Step]:
        return [step for step in self.steps if step.kind == "fill"]

    def maker_account_ids(self) -> set[int]:
        return {step.maker.account_id for step in self.steps}


def book_iter(*, pair: Pair, side: str, limit: Decimal | None) -> Iterator[Order]:
    """The resting orders of `side`, best first (price, then time), no worse than `limit`."""
    rows = Order.objects.filter(pair_id=pair.pk, side=side, is_resting=True)
    if side == Side.SELL:
        if limit is not None:
            rows = rows.filter(price__lte=limit)
        rows = rows.order_by("price", "rested_at", "id")
    else:
        if limit is not None:
            rows = rows.filter(price__gte=limit)
        rows = rows.order_by("-price", "rested_at", "id")
    offset = 0
    while True:
        batch = list(rows[offset : offset + BOOK_BATCH])
        yield from batch
        if len(batch) < BOOK_BATCH:
            return
        offset += BOOK_BATCH


def plan_match(*, taker: Order, pair: Pair, now: datetime, state: PairState | None = None) -> Plan:
    """What the taker would do against the book now: which resting orders it fills, and by how much.

    Limit orders stop at their price; market orders sweep. A base amount fills up to `taker.remaining`; a market
    buy by quote amount spends up to `taker.quote_amount` (whole lots only, while what is left buys something
    worth one unit of the quote). Resting orders of the taker's own
    user are planned for removal (self-trade prevention: the resting order is cancelled, the taker goes on), and
    expired GTD orders for expiry. `state` (the pair's current top of book) lets an order that cannot cross
    skip the book scan.
    """
    plan = Plan()
    limit = taker.price if taker.order_type != OrderType.MARKET else None
    if state is not None:
        # The top of the book is kept exact under the pair's lock: an order that cannot reach it meets nobody.
        best = state.best_ask if taker.side == Side.BUY else state.best_bid
        if best is None or (
            limit is not None and (limit < best if taker.side == Side.BUY else limit > best)
        ):
            plan.book_exhausted = True
            return plan
    by_quote = taker.quote_amount is not None and taker.amount is None
    left = taker.quote_amount if by_quote else taker.remaining
    assert left is not None
    for maker in book_iter(pair=pair, side=opposite(taker.side), limit=limit):
        if maker.expire_at is not None and maker.expire_at <= now:
            plan.steps.append(Step(maker, "expired"))
            continue
        if maker.user_id == taker.user_id:
            plan.steps.append(Step(maker, "self"))
            continue
        price = maker.price
        assert price is not None
        if by_quote:
            affordable = (left / price // pair.lot_size) * pair.lot_size
            amount = min(maker.remaining, affordable)
        else:
            amount = min(maker.remaining, left)
        if amount <= 0:
            return plan
        value = quote_value(amount, price, pair.quote.precision)
        if value <= 0 and by_quote and amount < maker.remaining:
            # What is left of the budget buys nothing worth one unit of the quote: done. (A resting order's
            # dust remainder fills for 0 instead: module docstring.)
            return plan
        plan.steps.append(Step(maker, "fill", amount, value))
        plan.filled += amount
        plan.cost += value
        left -= value if by_quote else amount
        if left == 0:
            return plan
    plan.book_exhausted = True
    return plan


# --- holds ------------------------------------------------------------------------------------------


def hold_for(
    *, order: Order, pair: Pair, plan: Plan | None, fee_places: int
) -> tuple[str, Decimal]:
    """The currency and amount an order puts on hold: what it can spend, fee included.

    Buy: quote (limit: amount x price rounded up to the quote's precision; market: the planned cost, or the quote
    amount) plus, with fees in quote, the fee at the higher of its rates (a limit order may end up maker or
    taker). Sell: the base amount plus, with fees in base, the fee on it.
    """
    fee_in_quote = pair.fee_currency_id == pair.quote_id
    is_market = order.order_type == OrderType.MARKET
    rate = order.taker_rate if is_market else max(order.maker_rate, order.taker_rate)
    if order.side == Side.BUY:
        if is_market:
            spend = order.quote_amount if order.amount is None else (plan.cost if plan else ZERO)
            assert spend is not None
        else:
            assert order.price is not None
            assert order.amount is not None
            spend = quantize_up(order.amount * order.price, pair.quote.precision)
        fee = fee_for(spend, rate, fee_places) if fee_in_quote else ZERO
        return pair.quote_id, spend + fee
    assert order.amount is not None
    fee = ZERO if fee_in_quote else fee_for(order.amount, rate, fee_places)
    return pair.base_id, order.amount + fee


def reserve_after(order: Order, *, plan_cost_left: Decimal, quote_places: int) -> Decimal:
    """What the order must keep on hold for what it has not filled yet (its hold currency, fee excluded)."""
    if order.side == Side.SELL:
        return order.remaining
    if order.order_type == OrderType.MARKET:
        return plan_cost_left
    assert order.price is not None
    return quantize_up(order.remaining * order.price, quote_places)


# --- execution --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    """What one matching pass did, for the market data, the volumes and the activity rows."""

    trades: list[Trade] = field(default_factory=list)
    stops_waiting: bool = (
        False  # the pair has untriggered stop orders the new last price may trigger
    )
    filled: dict[int, Order] = field(default_factory=dict)  # orders that got fills, by id
    removed: list[Order] = field(default_factory=list)  # makers cancelled (self-trade) or expired
    touched_sides: set[str] = field(default_factory=set)  # book sides whose top may have changed
    # The new top of a touched side when the pass itself shows it (see `execute`), so no query is needed.
    known_best: dict[str, Decimal] = field(default_factory=dict)
    volume_usd: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    taker_report: Order | None = None  # the event copy of the taker after its last fill


def release_rest(*, balances: Mapping[BalanceKey, Balance], order: Order) -> None:
    """Give back everything the order still holds (it is final now)."""
    if order.hold_remaining > 0:
        assert order.hold_currency_id is not None
        hold_release(
            balances=balances,
            account_id=order.account_id,
            currency_id=order.hold_currency_id,
            amount=order.hold_remaining,
            cause=order,
        )
        order.hold_remaining = ZERO


def _save(order: Order, now: datetime, *fields: str) -> None:
    order.updated_at = now
    order.save(update_fields=[*fields, "updated_at"])


def remove_from_book(
    *,
    balances: Mapping[BalanceKey, Balance],
    order: Order,
    status: str,
    now: datetime,
    reason: str,
    cancel_request_id: str | None = None,
) -> Decimal:
    """Cancel or expire an open order: release its hold, take it off the book, publish it (trading/events.py).
    Returns what was released."""
    if cancel_request_id is not None:
        events.order_changed(order, events.PENDING_CANCEL, cancel_request_id=cancel_request_id)
    released = order.hold_remaining
    release_rest(balances=balances, order=order)
    order.status = status
    order.is_resting = False
    _save(order, now, "status", "is_resting", "hold_remaining")
    events.order_changed(order, events.CANCELED, reason=reason, cancel_request_id=cancel_request_id)
    return released


def _charge(
    *,
    balances: Mapping[BalanceKey, Balance],
    order: Order,
    fee: Decimal,
    fee_currency: str,
    pays_out_fee_currency: bool,
    paid_from_hold: Decimal,
    reserve: Decimal,
) -> list[Fee]:
    """The fee legs for one side of a fill (see the module docstring), and the order's hold bookkeeping."""
    if fee <= 0:
        return []
    if not pays_out_fee_currency:
        # Paid out of what the fill gives this side, which always covers it.
        return [Fee(order.account_id, fee_currency, fee)]
    spare = max(ZERO, order.hold_remaining - paid_from_hold - reserve)
    from_hold = min(fee, spare)
    legs = [Fee(order.account_id, fee_currency, from_hold, from_hold=True)] if from_hold else []
    rest = fee - from_hold
    if rest > 0:
        balance = balances[(order.account_id, fee_currency)]
        from_available = min(rest, max(ZERO, balance.total - balance.on_hold))
        if from_available > 0:
            legs.append(Fee(order.account_id, fee_currency, from_available))
    order.hold_remaining -= from_hold
    return legs


def execute(
    *,
    taker: Order,
    pair: Pair,
    plan: Plan,
    balances: Mapping[BalanceKey, Balance],
    fees_account_id: int,
    fee_places: int,
    now: datetime,
) -> Outcome:
    """Carry out `plan` for `taker` (already saved, its hold already placed): remove self-trade and expired
    makers, settle each fill through the ledger, update both orders. Writes trades; the caller records the
    removals (`Outcome.removed`) and the fills."""
    outcome = Outcome()
    fee_ccy = pair.fee_currency_id
    fee_in_quote = fee_ccy == pair.quote_id
    usd_rate = pair.quote.usd_rate
    cost_left = plan.cost
    for step in plan.steps:
        maker = step.maker
        outcome.touched_sides.add(maker.side)
        if step.kind != "fill":
            status = OrderStatus.EXPIRED if step.kind == "expired" else OrderStatus.CANCELLED
            reason = "expired" if step.kind == "expired" else "self_trade_prevention"
            remove_from_book(balances=balances, order=maker, status=status, now=now, reason=reason)
            outcome.removed.append(maker)
            continue
        amount, value = step.amount, step.value
        assert maker.price is not None
        cost_left -= value
        buyer, seller = (taker, maker) if taker.side == Side.BUY else (maker, taker)
        for order in (buyer, seller):
            if order.amount is not None:  # a market buy by quote amount counts its budget instead
                order.remaining -= amount
        for order in (buyer, seller):
            order.executed_amount += amount
            order.executed_quote += value
        # Hold bookkeeping of the principal legs.
        buyer.hold_remaining -= value
        seller.hold_remaining -= amount
        fee_base = value if fee_in_quote else amount
        taker_fee_due = fee_for(fee_base, taker.taker_rate, fee_places)
        maker_fee_due = fee_for(fee_base, maker.maker_rate, fee_places)
        fees: list[Fee] = []
        for order, due in ((taker, taker_fee_due), (maker, maker_fee_due)):
            pays_out = (order.side == Side.BUY) == fee_in_quote
            legs = _charge(
                balances=balances,
                order=order,
                fee=due,
                fee_currency=fee_ccy,
                pays_out_fee_currency=pays_out,
                paid_from_hold=ZERO,
                reserve=reserve_after(
                    order, plan_cost_left=cost_left, quote_places=pair.quote.precision
                ),
            )
            charged = sum((leg.amount for leg in legs), ZERO)
            order.fee_amount += charged
            fees.extend(legs)
            if order is taker:
                taker_fee = charged
            else:
                maker_fee = charged
        trade = Trade(
            pair_id=pair.pk,
            maker_order=maker,
            taker_order=taker,
            maker_user_id=maker.user_id,
            taker_user_id=taker.user_id,
            taker_side=taker.side,
            price=maker.price,
            amount=amount,
            quote_amount=value,
            maker_fee=maker_fee,
            taker_fee=taker_fee,
            fee_currency_id=fee_ccy,
            created_at=now,
        )
        trade_settle(
            balances=balances,
            buyer_account_id=buyer.account_id,
            seller_account_id=seller.account_id,
            base=pair.base_id,
            quote=pair.quote_id,
            base_amount=amount,
            quote_amount=value,
            fees=fees,
            fees_account_id=fees_account_id,
            reference=f"order:{taker.pk}",
            description=f"Trade {pair.symbol}: order {buyer.pk} buys from order {seller.pk}",
            details={
                "maker_order": maker.pk,
                "taker_order": taker.pk,
                "price": format(maker.price, "f"),
            },
            # No savepoint: nothing here catches a failed settlement, which rolls the whole durable
            # transaction (the order, its hold, every earlier fill) back.
            savepoint=False,
        )
        outcome.trades.append(trade)
        if maker.remaining == 0:
            maker.status = OrderStatus.FILLED
            maker.is_resting = False
            release_rest(balances=balances, order=maker)
        else:
            maker.status = OrderStatus.PARTIALLY_FILLED
        _save(
            maker,
            now,
            "status",
            "is_resting",
            "remaining",
            "executed_amount",
            "executed_quote",
            "fee_amount",
            "hold_remaining",
        )
        outcome.filled[maker.pk] = maker
        outcome.filled[taker.pk] = taker
        events.order_changed(maker, events.TRADE, trade=trade)
        report = events.order_changed(taker, events.TRADE, trade=trade)
        # The taker's own status is settled after the pass (`services._run`); its reports say where it stands.
        report.status = OrderStatus.PARTIALLY_FILLED
        outcome.taker_report = report
        if usd_rate:
            usd = value * usd_rate
            outcome.volume_usd[maker.user_id] += usd
            outcome.volume_usd[taker.user_id] += usd
    for trade in outcome.trades:
        trade.seq = command_seq()
    Trade.objects.bulk_create(outcome.trades)
    # The plan walked the makers' side best first (price, then time) without skipping any: when every maker
    # but the last left the book and the last one still rests (partly filled), nothing better than it is left,
    # so its price is the side's new top (saves the best-price query on the usual crossing order).
    steps = plan.steps
    if steps:
        last = steps[-1].maker
        if last.is_resting and all(not step.maker.is_resting for step in steps[:-1]):
            assert last.price is not None
            outcome.known_best[last.side] = last.price
    return outcome


def record_volumes(outcome: Outcome, now: datetime) -> None:
    # One call for every trader of the pass: it locks their buckets in ascending user id (one order in every
    # transaction, so two pairs that share traders cannot deadlock on them), in one query once they exist.
    if outcome.volume_usd:
        volume_record_fills(volumes=outcome.volume_usd, at=now)


# --- market data ------------------------------------------------------------------------------------


def pair_state(pair: Pair) -> PairState:
    """The pair's state row, read after the pair's lock was taken (so it is current), created on first use."""
    state = PairState.objects.filter(pair_id=pair.pk).first()
    if state is None:
        state = PairState.objects.create(pair_id=pair.pk)
    return state


def best_price(pair: Pair, side: str) -> Decimal | None:
    rows = Order.objects.filter(pair_id=pair.pk, side=side, is_resting=True)
    ordering = "-price" if side == Side.BUY else "price"
    return rows.order_by(ordering).values_list("price", flat=True).first()


PERIODS = {
    Resolution.MINUTE: lambda at: at.replace(second=0, microsecond=0),
    Resolution.HOUR: lambda at: at.replace(minute=0, second=0, microsecond=0),
    Resolution.DAY: lambda at: at.replace(hour=0, minute=0, second=0, microsecond=0),
}


def _hi(current: Decimal | None, *values: Decimal | None) -> Decimal | None:
    present = [value for value in (current, *values) if value is not None]
    return max(present) if present else None


def _lo(current: Decimal | None, *values: Decimal | None) -> Decimal | None:
    present = [value for value in (current, *values) if value is not None]
    return min(present) if present else None


def market_update(
    *,
    pair: Pair,
    state: PairState,
    now: datetime,
    outcome: Outcome | None = None,
    rested: tuple[str, Decimal] | None = None,
    removed: tuple[str, Decimal] | None = None,
) -> None:
    """Bring the pair's best bid/ask and last trade up to date after a book change, and fold the change into
    the candles. `rested` is an order that went onto the book (side, price); `removed` one that left it."""
    bid, ask = state.best_bid, state.best_ask
    new_bid, new_ask = bid, ask
    touched = set(outcome.touched_sides) if outcome else set()
    if removed is not None:
        side, price = removed
        if price == (bid if side == Side.BUY else ask):
            touched.add(side)
    known = outcome.known_best if outcome else {}
    if Side.BUY in touched:
        new_bid = known[Side.BUY] if Side.BUY in known else best_price(pair, Side.BUY)
    if Side.SELL in touched:
        new_ask = known[Side.SELL] if Side.SELL in known else best_price(pair, Side.SELL)
    if rested is not None:
        side, price = rested
        if side == Side.BUY:
            new_bid = _hi(new_bid, price)
        else:
            new_ask = _lo(new_ask, price)
    trades = outcome.trades if outcome else []
    if new_bid == bid and new_ask == ask and not trades:
        return
    state.best_bid, state.best_ask = new_bid, new_ask
    if trades:
        state.last_price = trades[-1].price
        state.last_amount = trades[-1].amount
        state.last_trade_at = now
    state.save()
    _candles_touch(pair=pair, now=now, old=(bid, ask), new=(new_bid, new_ask), trades=trades)


def _candles_touch(
    *,
    pair: Pair,
    now: datetime,
    old: tuple[Decimal | None, Decimal | None],
    new: tuple[Decimal | None, Decimal | None],
    trades: list[Trade],
) -> None:
    starts = {resolution: period(now) for resolution, period in PERIODS.items()}
    wanted = Q()
    for resolution, start in starts.items():
        wanted |= Q(resolution=resolution, start=start)
    existing = {row.resolution: row for row in Candle.objects.filter(Q(pair_id=pair.pk) & wanted)}
    prices = [trade.price for trade in trades]
    volume = sum((trade.amount for trade in trades), ZERO)
    quote_volume = sum((trade.quote_amount for trade in trades), ZERO)
    (old_bid, old_ask), (bid, ask) = old, new
    changed: list[Candle] = []
    for resolution, start in starts.items():
        row = existing.get(resolution)
        if row is None:
            # The period's open is the value in force when it began: the one before this change.
            row = Candle(
                pair_id=pair.pk,
                resolution=resolution,
                start=start,
                bid_open=old_bid,
                bid_high=old_bid,
                bid_low=old_bid,
                ask_open=old_ask,
                ask_high=old_ask,
                ask_low=old_ask,
                trade_open=prices[0] if prices else None,
            )
        # A side empty when the period began opens at its first price.
        row.bid_open = bid if row.bid_open is None else row.bid_open
        row.ask_open = ask if row.ask_open is None else row.ask_open
        row.bid_high, row.bid_low, row.bid_close = (
            _hi(row.bid_high, bid),
            _lo(row.bid_low, bid),
            bid,
        )
        row.ask_high, row.ask_low, row.ask_close = (
            _hi(row.ask_high, ask),
            _lo(row.ask_low, ask),
            ask,
        )
        if prices:
            if row.trade_open is None:
                row.trade_open = prices[0]
            row.trade_high = _hi(row.trade_high, *prices)
            row.trade_low = _lo(row.trade_low, *prices)
            row.trade_close = prices[-1]
            row.volume += volume
            row.quote_volume += quote_volume
        if row.pk is None:
            row.save()
        else:
            changed.append(row)
    _candles_update(changed)


# Every value a candle update writes (the key fields pair, resolution and start never change).
CANDLE_VALUES = tuple(
    concrete_field(Candle, name)
    for name in (
        "bid_open",
        "bid_high",
        "bid_low",
        "bid_close",
        "ask_open",
        "ask_high",
        "ask_low",
        "ask_close",
        "trade_open",
        "trade_high",
        "trade_low",
        "trade_close",
        "volume",
        "quote_volume",
    )
)


def _candles_update(rows: list[Candle]) -> None:
    """Write the candles' values back in ONE UPDATE (a CASE per column on the row id) instead of one per
    row: the rows are locked by the pair lock's holder only, so this is the same write in fewer round trips.

    Written out as SQL: `bulk_update` builds the same statement, but compiling its expressions costs more
    than running it. Identifiers come from the model's metadata; every value is a parameter.
    """
    if not rows:
        return
    qn = connection.ops.quote_name
    pk_col = qn(Candle._meta.pk.column)
    # PostgreSQL types a CASE of bare parameters (or of NULLs only) as text: cast it to the column's type.
    cast = connection.features.requires_casted_case_in_updates
    whens = " ".join([f"WHEN {pk_col} = %s THEN %s"] * len(rows))
    sets, params = [], []
    for column in CANDLE_VALUES:
        case = f"CASE {whens} END"
        if cast:
            case = f"CAST({case} AS {column.cast_db_type(connection)})"  # type: ignore[attr-defined]
        sets.append(f"{qn(column.column)} = {case}")
        for row in rows:
            params += [row.pk, column.get_db_prep_save(getattr(row, column.attname), connection)]
    marks = ", ".join(["%s"] * len(rows))
    params += [row.pk for row in rows]
    sql = (
        f"UPDATE {qn(Candle._meta.db_table)} SET {', '.join(sets)}"  # noqa: S608
        f" WHERE {pk_col} IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def period_start(resolution_seconds: int, at: datetime) -> datetime:
    """The start of the `resolution_seconds`-long period (aligned on the epoch, UTC) that holds `at`."""
    elapsed = int((at - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=elapsed - elapsed % resolution_seconds)
